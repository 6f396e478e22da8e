package asynctest

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/stack"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// Suite runs everything a base is held to: the acceptance suite on SQLite and
// with every service on PostgreSQL and, when the base uses the broker, its
// faults (Faults).
func Suite(t *testing.T, v app.Variant) {
	t.Run("SQLite", func(t *testing.T) { Acceptance(t, v) })
	t.Run("PostgreSQL", func(t *testing.T) { AcceptancePostgres(t, v) })
	if v.Broker() {
		t.Run("Faults", func(t *testing.T) { Faults(t, v) })
	}
}

// Tested runs the acceptance suite on every combination of p with a base
// that its registration names as tested (app.RegisterPattern); the bases'
// packages must be linked into the test.
func Tested(t *testing.T, p *app.Pattern) {
	vs, err := app.TestedVariants(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatalf("%s is tested on no base", p.Name)
	}
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) { Acceptance(t, v) })
	}
}

// Acceptance runs the acceptance suite against v started in this process on
// SQLite; a variant that uses the broker gets a run of its own on the test broker.
func Acceptance(t *testing.T, v app.Variant) {
	acceptance.RunInProcess(t, v, acceptance.Options{Stack: options(t, v)})
}

// AcceptancePostgres runs the acceptance suite against v with every service on
// PostgreSQL, each in a schema of its own: the outbox, the inbox and the local
// copies live beside the service's tables.
func AcceptancePostgres(t *testing.T, v app.Variant) {
	opts := options(t, v)
	opts.DatabaseURLs = map[string]string{}
	for _, svc := range config.Services {
		opts.DatabaseURLs[svc] = testenv.PostgresSchema(t)
	}
	acceptance.RunInProcess(t, v, acceptance.Options{Stack: opts})
}

// options are the stack options of one test of v: a run on the test broker
// when v uses one.
func options(tb testing.TB, v app.Variant) stack.Options {
	if !v.Broker() {
		return stack.Options{}
	}
	return NewRun(tb, v, Broker(tb)).Options
}

// AcceptanceReplicas runs the acceptance suite against v with n instances of
// every service in this process, all on PostgreSQL (one schema per service,
// shared by its instances): the gateway and the service-to-service calls
// balance over the instances, every instance runs its relay on the shared
// outbox, and the instances of a service compete on its queue.
func AcceptanceReplicas(t *testing.T, v app.Variant, n int) {
	opts := options(t, v)
	opts.Replicas = n
	opts.DatabaseURLs = map[string]string{}
	for _, svc := range config.Services {
		opts.DatabaseURLs[svc] = testenv.PostgresSchema(t)
	}
	acceptance.RunInProcess(t, v, acceptance.Options{Stack: opts})
}

// BenchmarkReplicas measures the whole order flow of v (acceptance.BenchmarkFlow)
// with n instances of every service in this process, all on PostgreSQL; n = 1
// is the same lab on the same database with one instance each, to compare with.
func BenchmarkReplicas(b *testing.B, v app.Variant, n int) {
	opts := options(b, v)
	opts.Replicas = n
	opts.DatabaseURLs = map[string]string{}
	for _, svc := range config.Services {
		opts.DatabaseURLs[svc] = testenv.PostgresSchema(b)
	}
	acceptance.BenchmarkFlow(b, v, opts)
}
