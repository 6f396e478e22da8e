package asynctest_test

import (
	"fmt"
	"testing"

	eventcarriedstatetransfer "github.com/microservice-patterns/lab/communication-patterns/event-carried-state-transfer"
	eventnotification "github.com/microservice-patterns/lab/communication-patterns/event-notification"
	"github.com/microservice-patterns/lab/communication-patterns/rest"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/asynctest"
)

// TestAcceptance_twoReplicas: the acceptance suite holds with two instances of
// every service on PostgreSQL, for rest and both event-driven bases.
func TestAcceptance_twoReplicas(t *testing.T) {
	for _, b := range []*app.Base{rest.Base, eventnotification.Base, eventcarriedstatetransfer.Base} {
		t.Run(b.Name, func(t *testing.T) {
			v, err := app.Lookup(b.Name)
			if err != nil {
				t.Fatal(err)
			}
			asynctest.AcceptanceReplicas(t, v, 2)
		})
	}
}

// BenchmarkReplicas: orders/s of rest and event-carried state transfer with
// one and two instances of every service, on PostgreSQL both times.
func BenchmarkReplicas(b *testing.B) {
	for _, base := range []*app.Base{rest.Base, eventcarriedstatetransfer.Base} {
		v, err := app.Lookup(base.Name)
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/replicas=%d", base.Name, n), func(b *testing.B) { asynctest.BenchmarkReplicas(b, v, n) })
		}
	}
}
