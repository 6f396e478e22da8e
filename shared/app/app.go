// Package app is the seam: it turns a variant — a communication base plus the
// cross-cutting patterns composed with it — into running services, one per
// process (Main), or all of them in one process for tests (shared/stack).
//
// A base (Base) says how the services talk: HTTP ports for ordering, or
// events over RabbitMQ (Async), or calls of its own that it serves and
// makes (Serve, Readers: gRPC), which still go through the patterns' wrappers
// (Deps.WrapCalls). A pattern (Pattern) gives each service it
// touches an Extension: inbound middleware, a wrapper for each outbound call
// (given the callee's name), operator routes, its state for
// /api/lab/patterns, and a close function — built anew for every service, so
// nothing is shared between the services one test process starts.
//
// Every service and the gateway install their middleware in this one order:
//
//	request id → tracing → metrics → access log → recovery → authentication →
//	fault injection → the patterns' own (Inbound) → routes
//
// The request id comes first so that everything after it can log it; tracing
// before metrics so that a metric's exemplar can name the trace; both before
// the access log, so that its lines carry the trace and span ids; recovery
// after the access log, so that a panic is logged as the 500 it becomes;
// authentication before the fault injection, so that a request the lab
// refuses never reaches a simulated failure; the fault injection before the
// patterns, so that telemetry sees injected faults and a pattern's own
// middleware (a request budget, a rate limit) reacts to them as it would to
// real ones. Outbound, the patterns wrap each call in the order the variant
// names them: in rest+retry+circuit-breaker the retry sits outside the breaker.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"google.golang.org/grpc/stats"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/faults"
	"github.com/microservice-patterns/lab/shared/gateway"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/store"
)

// Deps is what the wiring of one service can draw on.
type Deps struct {
	Config   config.Service
	Env      config.Getenv // the stack's environment: a base reads its own settings from it
	Log      *slog.Logger
	calls    func(callee string) *http.Client
	wrap     func(callee string, next http.RoundTripper) http.RoundTripper
	rpcStats func() (client, server []stats.Handler)
	// onClose registers what the wiring started, to stop when the service stops
	onClose func(func())
	faults  *faults.Injector // the service's fault injection: a service that is down consumes no event
}

// HTTPFor returns the client for this service's calls to callee: its transport
// went through every pattern's wrapper for that callee.
func (d Deps) HTTPFor(callee string) *http.Client { return d.calls(callee) }

// RPCStats returns the patterns' stats handlers (Extension.RPC) of the gRPC
// calls the service makes and of those it serves.
func (d Deps) RPCStats() (client, server []stats.Handler) {
	if d.rpcStats == nil {
		return nil, nil
	}
	return d.rpcStats()
}

// WrapCalls puts the patterns' wrappers of the calls to callee around next,
// for a base whose calls do not go over net/http (grpc adapts each call to a
// request through them); a pattern that observes gRPC calls itself
// (Extension.RPC) is left out. Ask it once per callee: a pattern keeps its
// state (a breaker, a counter) per wrapper.
func (d Deps) WrapCalls(callee string, next http.RoundTripper) http.RoundTripper {
	if d.wrap == nil {
		return next
	}
	return d.wrap(callee, next)
}

// OnClose has f run when the service stops, before its database closes: a
// base stops there what its wiring started (its connections to the others).
func (d Deps) OnClose(f func()) {
	if d.onClose != nil {
		d.onClose(f)
	}
}

// hold is what the service's consumer waits for before each event: that the
// service is not down (its fault injection); nil without fault injection.
func (d Deps) hold() func(context.Context) error {
	if d.faults == nil {
		return nil
	}
	return d.faults.WaitUp
}

// Service is one built service: its HTTP handler and what must be closed after it.
type Service struct {
	Handler http.Handler
	Close   func() error
}

// Build opens the service's database, seeds it, wires the service as the
// variant says and returns its HTTP handler.
func Build(ctx context.Context, v Variant, cfg config.Service, env config.Getenv, log *slog.Logger) (*Service, error) {
	exts, err := extend(v, cfg.Name, env, log)
	if err != nil {
		return nil, err
	}
	log = exts.logger(log)
	in, err := newFaults(cfg.Name, env, log)
	if err != nil {
		exts.close()
		return nil, err
	}
	db, err := store.OpenService(ctx, cfg.Name, cfg.DatabaseURL, cfg.SQLitePath)
	if err != nil {
		exts.close()
		return nil, fmt.Errorf("%s: open database: %w", cfg.Name, err)
	}
	db.Observe(exts.statements())
	d := Deps{Config: cfg, Env: env, Log: log, calls: exts.clients(cfg.HTTPTimeout, cfg.Instances), wrap: exts.wrapRPC, rpcStats: exts.rpcStats, faults: in}
	w := syncWiring(v, db, d)
	if v.Broker() {
		if w, err = asyncWiring(ctx, v, db, d, exts); err != nil {
			db.Close()
			exts.close()
			return nil, fmt.Errorf("%s: %w", cfg.Name, err)
		}
	}
	closeAll := func() error { return errors.Join(w.close(), exts.close()) }
	e := httpx.NewEngine(log, exts.stages()...)
	httpx.Health(e, w.checks)
	exts.admin(e, v, w.states)
	in.Install(e)
	e.Use(exts.inbound()...)
	if err := w.register(ctx, e); err != nil {
		closeAll()
		return nil, fmt.Errorf("%s: %w", cfg.Name, err)
	}
	var h http.Handler = e
	if v.base().Serve != nil && !v.Broker() {
		h = httpx.CleartextHTTP2(e) // the base's own calls (gRPC) share the port
	}
	return &Service{Handler: h, Close: closeAll}, nil
}

// wiring is how Build makes one service: its readiness checks, its routes
// (registered, seeded and started by register) and what closes it.
type wiring struct {
	checks   map[string]httpx.Check
	register func(ctx context.Context, e *gin.Engine) error
	close    func() error
	states   func() []gateway.NamedTable // the base's own state for GET /admin/patterns, when it keeps one
}

// syncWiring wires a service of a synchronous base.
func syncWiring(v Variant, db *store.DB, d Deps) *wiring {
	var stops []func() // what register started: stopped before the database closes
	checks := map[string]httpx.Check{"database": db.Ping}
	return &wiring{
		checks: checks,
		register: func(ctx context.Context, e *gin.Engine) error {
			return register(ctx, v.base(), e, db, d, func(stop func()) { stops = append(stops, stop) }, checks)
		},
		close: func() error {
			for _, stop := range stops {
				stop()
			}
			return db.Close()
		},
	}
}

// newFaults returns the service's fault injection (shared/faults), off unless
// <SVC>_FAULTS sets some: it is lab infrastructure, not a pattern, so every
// variant has it, and PUT /admin/faults changes it at run time.
func newFaults(service string, env config.Getenv, log *slog.Logger) (*faults.Injector, error) {
	s, err := faults.Parse(config.LoadFaults(service, env))
	if err != nil {
		return nil, fmt.Errorf("%s: %s_FAULTS: %w", service, strings.ToUpper(service), err)
	}
	in, err := faults.New(service, s, faults.WithLogger(log))
	if err != nil {
		return nil, err
	}
	if s != (faults.Settings{}) {
		log.Warn("faults injected from the start", "faults", s.String())
	}
	return in, nil
}
