// Package app is the seam: it turns a variant — a communication base plus the
// cross-cutting patterns composed with it — into running services, one per
// process (Main), or all of them in one process for tests (shared/stack).
//
// A base (Base) says how the services talk: HTTP ports for ordering, or
// events over RabbitMQ (Async). A pattern (Pattern) gives each service it
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

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/faults"
	"github.com/microservice-patterns/lab/shared/gateway"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/store"
)

// Deps is what the wiring of one service can draw on.
type Deps struct {
	Config config.Service
	Env    config.Getenv // the stack's environment: a base reads its own settings from it
	Log    *slog.Logger
	calls  func(callee string) *http.Client
	faults *faults.Injector // the service's fault injection: a service that is down consumes no event
}

// HTTPFor returns the client for this service's calls to callee: its transport
// went through every pattern's wrapper for that callee.
func (d Deps) HTTPFor(callee string) *http.Client { return d.calls(callee) }

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
	d := Deps{Config: cfg, Env: env, Log: log, calls: exts.clients(cfg.HTTPTimeout), faults: in}
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
	return &Service{Handler: e, Close: closeAll}, nil
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
	return &wiring{
		checks: map[string]httpx.Check{"database": db.Ping},
		register: func(ctx context.Context, e *gin.Engine) error {
			return register(ctx, v.base(), e, db, d, func(stop func()) { stops = append(stops, stop) })
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
