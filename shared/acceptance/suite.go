// Package acceptance is the black-box suite that every variant must pass. It
// drives the public API through the gateway, exactly as a client would, checks the
// flow and the error cases of CONTRACT.md, and checks the invariants after every
// scenario. Every request and response is validated against docs/openapi.yaml.
package acceptance

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
	"github.com/microservice-patterns/lab/shared/stack"
)

// Options change how the suite runs.
type Options struct {
	// Timeout bounds every wait for an eventual state (default 10 s).
	Timeout time.Duration
	// Stack changes how RunInProcess starts the variant.
	Stack stack.Options
	// Token, when set, is sent as a bearer token with every request: a security
	// variant's API is closed to anonymous clients. Start logs in as "admin"
	// when the variant's patterns say how (app.Pattern.Login).
	Token string
	// EventualReads says that the variant's reads of orders come from a read
	// model that follows the writes (app.Base.EventualReads): each read of an
	// order first waits until the read model shows the suite's writes (Fresh).
	// Start sets it from the variant.
	EventualReads bool
}

// Suite is the state shared by the scenarios of one run.
type Suite struct {
	t    testing.TB
	api  *API
	opts Options
	*shared
}

type shared struct {
	mu       sync.Mutex
	initial  map[string]int // the initial stock of every product whose stock the suite knows
	orders   []string       // every order the suite made
	checker  *ContractChecker
	versions *versions // the orders' versions the write side answered (Fresh)
}

// New returns a suite against the gateway at baseURL.
func New(t testing.TB, baseURL string, opts Options) *Suite {
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	checker, err := NewContractChecker()
	if err != nil {
		t.Fatalf("load the OpenAPI description: %v", err)
	}
	sh := &shared{initial: map[string]int{}, checker: checker, versions: newVersions()}
	for _, p := range warehouse.Seed {
		sh.initial[p.ProductID] = p.Stock
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: sh.versions.transport(checker.Transport(http.DefaultTransport))}
	return &Suite{t: t, api: &API{t: t, base: baseURL, http: hc, token: opts.Token}, opts: opts, shared: sh}
}

// With returns the suite bound to a subtest.
func (s *Suite) With(t testing.TB) *Suite {
	c := *s
	c.t = t
	api := *s.api
	api.t = t
	c.api = &api
	return &c
}

// API returns the suite's client, bound to its test.
func (s *Suite) API() *API { return s.api }

func (s *Suite) track(orderID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders = append(s.orders, orderID)
}

// Run runs every scenario against the gateway at baseURL, checking the invariants
// after each, and reports every request or response that breaks the OpenAPI description.
func Run(t *testing.T, baseURL string, opts Options) {
	s := New(t, baseURL, opts)
	for _, sc := range Scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			sub := s.With(t)
			sc.Run(sub)
			sub.CheckInvariants()
		})
	}
	s.checker.Report(t)
}

// RunInProcess starts the variant in this process on loopback ports with fresh
// SQLite databases and runs the suite against it.
func RunInProcess(t *testing.T, v app.Variant, opts Options) {
	s, st := Start(t, v, opts)
	opts.Token, opts.EventualReads = s.opts.Token, s.opts.EventualReads
	Run(t, st.URL, opts)
}

// Start starts the variant in this process on loopback ports, with fresh SQLite
// databases unless opts.Stack says otherwise, stops it when the test ends, and
// returns a suite bound to its gateway, for a test of the variant's own.
func Start(t testing.TB, v app.Variant, opts Options) (*Suite, *stack.Stack) {
	t.Helper()
	if opts.Stack.DataDir == "" {
		opts.Stack.DataDir = t.TempDir()
	}
	opts.EventualReads = opts.EventualReads || v.Base != nil && v.Base.EventualReads()
	st, err := stack.Start(context.Background(), v, opts.Stack)
	if err != nil {
		t.Fatalf("start %s: %v", v.Name, err)
	}
	t.Cleanup(st.Stop)
	if opts.Token == "" {
		if opts.Token, err = v.Login(context.Background(), st.Env(), "admin"); err != nil {
			t.Fatalf("log in to %s as admin: %v", v.Name, err)
		}
	}
	return New(t, st.URL, opts), st
}
