package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"google.golang.org/grpc/stats"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/gateway"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/services/shipping"
	"github.com/microservice-patterns/lab/shared/store"
)

// Base is a communication variant: how the five services talk to each other.
// A nil field takes the synchronous REST default, so a base names only what
// it changes.
type Base struct {
	Name        string
	Description string
	// OrderingPorts builds the ports of a synchronous ordering service
	// (default SyncOrderingPorts). An asynchronous base sets Async instead.
	OrderingPorts func(d Deps) (ordering.Ports, error)
	// Async, when set, makes the base event-driven over RabbitMQ (see Async).
	Async *Async
	// Gateway returns the base's own options for the gateway (the live events …).
	Gateway func(cfg config.Gateway, log *slog.Logger) ([]gateway.Option, error)
	// NoSyncCalls says that no service of the base calls another over HTTP, so
	// that a pattern which wraps such calls has nothing to wrap.
	NoSyncCalls bool
	// History says that ordering keeps each order's history and answers
	// GET /api/orders/{orderId}/events (/api/lab/info's history feature).
	History bool
	// RefuseAbove, when set, marks a base whose flow undoes what it did when a
	// step is refused for good (a saga's compensation): it returns the order
	// total, in cents, above which billing refuses an order, from the stack's
	// settings (0: none). The gateway announces it in /api/lab/info
	// (features.refuseAbove), and the acceptance suite checks the compensation there.
	RefuseAbove func(env config.Getenv) (int64, error)
	// Readers gives the shipping and billing services of a synchronous base
	// their readers of orders and customers (default: HTTP clients).
	Readers func(d Deps) (Readers, error)
	// Serve, when set, serves what other services call on this one its own
	// way (gRPC …) in place of the /internal/ routes: it is given the
	// service's engine and its core (*customers.Service, *ordering.Service …),
	// and returns the readiness checks to add to /readyz (what it starts it
	// stops with Deps.OnClose). The service's listener then also speaks
	// cleartext HTTP/2.
	Serve func(e *gin.Engine, core any, d Deps) (map[string]httpx.Check, error)
}

// Readers are what shipping and billing read from the other services.
type Readers struct {
	Orders    shipping.Orders // satisfies billing.Orders too
	Customers shipping.Customers
}

// Broker reports whether the base needs RabbitMQ.
func (b *Base) Broker() bool { return b.Async != nil }

// Pattern is a cross-cutting pattern that composes with a base: reliability,
// observability or security. For each service it touches it builds an
// Extension, anew for every service of every stack, from that stack's settings.
type Pattern struct {
	Name        string
	Category    string // reliability, observability or security
	Description string
	// Fits returns why the pattern cannot run on base, or nil when it can.
	Fits func(base *Base) error
	// Extend builds the pattern's extension of one service (or of the gateway,
	// Scope.Service "gateway"); nil, nil leaves that service alone.
	Extend func(s Scope) (*Extension, error)
	// Processes are processes of their own that the pattern adds to the
	// variant, started before the services (see Process).
	Processes []Process
	// Companions are programs `lab run` starts beside the variant for people
	// to look at what the pattern produces (see Companion).
	Companions []Companion
	// Login, when set, returns an access token of the named user for the
	// variant's gateway, from the stack's settings (env): the acceptance suite
	// logs in as "admin" and sends it with every request.
	Login func(ctx context.Context, env config.Getenv, user string) (string, error)
}

// Scope is what a pattern builds one service's extension from.
type Scope struct {
	Service string // customers, ordering, warehouse, shipping, billing or gateway
	Variant string // the whole name, e.g. event-notification+retry
	Base    *Base
	Env     config.Getenv // the stack's environment: read the pattern's settings from it
	Log     *slog.Logger  // the service's logger
}

// Extension is what a pattern adds to one service. Every field is optional.
//
// The middleware goes in the slots of the one order every service and the
// gateway follow (see the package documentation): Tracing, Metrics and Auth
// run where their names say, Inbound after the fault injection, just before
// the routes.
type Extension struct {
	Tracing, Metrics, Auth, Inbound []gin.HandlerFunc
	// Call wraps the transport of this service's calls to callee (a service's
	// name). It is asked once per callee.
	Call func(callee string, next http.RoundTripper) http.RoundTripper
	// RPC, when set, observes the gRPC calls of a base that makes them (grpc):
	// it returns the stats handlers of the calls the service makes and of
	// those it serves (otelgrpc's). Call then wraps none of those calls.
	RPC func() (client, server stats.Handler)
	// Admin adds the pattern's operator routes; they are mounted under /admin/.
	Admin func(r gin.IRouter)
	// State reports the pattern's state at this service for /api/lab/patterns.
	State func() Table
	// Handle wraps each event handler of an asynchronous service as it runs
	// in the consumer's transaction.
	Handle func(eventType string, h messaging.Handler) messaging.Handler
	// Messaging observes the relay and the consumer of an asynchronous
	// service (its spans, its counters), given the service's outbox. Of the
	// patterns' observers, the first tracer provider is used and every
	// callback is called.
	Messaging func(outbox *messaging.Outbox) *messaging.Observer
	// Statements observes each statement the service's store runs (the
	// tracing pattern's database spans); of several patterns', the first
	// named is outermost.
	Statements store.Observer
	// Logger replaces the service's logger (Scope.Log, Deps.Log, the access
	// log) with one derived from it, before anything logs.
	Logger func(*slog.Logger) *slog.Logger
	// Close releases what the extension holds when the service stops.
	Close func() error
}

// Table is a pattern's state at one service (see gateway.Table).
type Table = gateway.Table

// Variant is a base plus the patterns composed with it, in the order named.
type Variant struct {
	Name     string // <base>[+<pattern>…]
	Base     *Base
	Patterns []*Pattern
}

// Broker reports whether the variant needs RabbitMQ.
func (v Variant) Broker() bool { return v.base().Broker() }

// base returns the variant's base; a variant without one is synchronous REST.
func (v Variant) base() *Base {
	if v.Base == nil {
		return &Base{Name: v.Name}
	}
	return v.Base
}

// PatternNames lists the names of the variant's patterns.
func (v Variant) PatternNames() []string {
	names := make([]string, 0, len(v.Patterns))
	for _, p := range v.Patterns {
		names = append(names, p.Name)
	}
	return names
}

// Compose makes a variant of base and patterns, or says in one line why they
// do not go together.
func Compose(base *Base, patterns ...*Pattern) (Variant, error) {
	if base.Async != nil {
		if err := base.Async.check(base); err != nil {
			return Variant{}, fmt.Errorf("%s: %w", base.Name, err)
		}
	}
	names := []string{base.Name}
	seen := map[string]bool{}
	for _, p := range patterns {
		if seen[p.Name] {
			return Variant{}, fmt.Errorf("%s is named twice", p.Name)
		}
		seen[p.Name] = true
		if p.Fits != nil {
			if err := p.Fits(base); err != nil {
				return Variant{}, fmt.Errorf("%s does not compose with %s: %w", p.Name, base.Name, err)
			}
		}
		names = append(names, p.Name)
	}
	return Variant{Name: strings.Join(names, "+"), Base: base, Patterns: patterns}, nil
}

// MustCompose is Compose for a test or a registry that knows its parts fit.
func MustCompose(base *Base, patterns ...*Pattern) Variant {
	v, err := Compose(base, patterns...)
	if err != nil {
		panic(err)
	}
	return v
}

// FitsSyncCalls is Pattern.Fits for the patterns that wrap the calls services
// make to each other over HTTP: a base with none leaves them nothing to do.
func FitsSyncCalls(b *Base) error {
	if b.NoSyncCalls {
		return errors.New("its services make no HTTP calls to each other, so there is nothing to wrap")
	}
	return nil
}

// registry is the catalogue of the bases and patterns linked into a binary;
// each variant's package adds itself (Register) from an init function.
var registry struct {
	sync.Mutex
	bases    []*Base
	patterns []*Pattern
	tested   []string
}

// RegisterBase adds a base to the catalogue.
func RegisterBase(b *Base) {
	registry.Lock()
	defer registry.Unlock()
	registry.bases = append(registry.bases, b)
}

// RegisterPattern adds a pattern to the catalogue, with the bases it is
// tested on (the acceptance suite runs on each combination in `make test`),
// and returns it, so that a pattern's folder declares and registers it at once.
func RegisterPattern(p *Pattern, testedOn ...string) *Pattern {
	registry.Lock()
	defer registry.Unlock()
	registry.patterns = append(registry.patterns, p)
	for _, b := range testedOn {
		registry.tested = append(registry.tested, b+"+"+p.Name)
	}
	return p
}

// Bases lists the registered bases, in registration order.
func Bases() []*Base {
	registry.Lock()
	defer registry.Unlock()
	return slices.Clone(registry.bases)
}

// Patterns lists the registered patterns, in registration order.
func Patterns() []*Pattern {
	registry.Lock()
	defer registry.Unlock()
	return slices.Clone(registry.patterns)
}

// Tested lists the combinations of a base and a pattern that the acceptance
// suite runs on, besides every base alone.
func Tested() []string {
	registry.Lock()
	defer registry.Unlock()
	return slices.Clone(registry.tested)
}

// Lookup parses a variant's name: <base>[+<pattern>…], where a name that
// starts with a pattern means rest plus that pattern.
func Lookup(name string) (Variant, error) {
	parts := strings.Split(name, "+")
	base := findBase(parts[0])
	rest := parts[1:]
	if base == nil {
		if findPattern(parts[0]) == nil {
			return Variant{}, fmt.Errorf("unknown variant %q; `make list` shows them", name)
		}
		if base = findBase("rest"); base == nil {
			return Variant{}, errors.New("the rest base is not linked in")
		}
		rest = parts
	}
	var patterns []*Pattern
	for _, n := range rest {
		p := findPattern(n)
		if p == nil {
			if findBase(n) != nil {
				return Variant{}, fmt.Errorf("%s and %s are both communication bases: a variant has one", base.Name, n)
			}
			return Variant{}, fmt.Errorf("unknown pattern %q in %q; `make list` shows them", n, name)
		}
		patterns = append(patterns, p)
	}
	return Compose(base, patterns...)
}

func findBase(name string) *Base {
	for _, b := range Bases() {
		if b.Name == name {
			return b
		}
	}
	return nil
}

func findPattern(name string) *Pattern {
	for _, p := range Patterns() {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// TestedVariants returns the combinations of p with the bases its
// registration names as tested.
func TestedVariants(p *Pattern) ([]Variant, error) {
	var out []Variant
	for _, name := range Tested() {
		if base, pattern, _ := strings.Cut(name, "+"); pattern == p.Name {
			b := findBase(base)
			if b == nil {
				return nil, fmt.Errorf("%s is tested on %s, which is not linked in", p.Name, base)
			}
			v, err := Compose(b, p)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// ServicesOnly returns a Pattern.Extend for a pattern that leaves the gateway
// alone: for each service it reads the pattern's settings from the stack's
// environment (load) and builds the service's extension from them (build).
func ServicesOnly[S any](load func(config.Getenv) (S, error), build func(Scope, S) *Extension) func(Scope) (*Extension, error) {
	return func(s Scope) (*Extension, error) {
		if s.Service == "gateway" {
			return nil, nil
		}
		settings, err := load(s.Env)
		if err != nil {
			return nil, err
		}
		return build(s, settings), nil
	}
}

// CallsPattern is a reliability pattern that wraps the calls services make to
// each other and leaves the gateway alone (ServicesOnly): it fits every base
// whose services call each other over HTTP.
func CallsPattern[S any](name, description string, load func(config.Getenv) (S, error), build func(Scope, S) *Extension) *Pattern {
	return &Pattern{Name: name, Category: "reliability", Description: description, Fits: FitsSyncCalls,
		Extend: ServicesOnly(load, build)}
}
