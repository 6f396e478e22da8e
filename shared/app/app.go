// Package app turns a variant's wiring into running services: one service per
// process in production (Main), or all five plus the gateway in one process for
// tests and benchmarks (StartStack).
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/clients"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/faults"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/store"
	gateway "github.com/microservice-patterns/lab/ui-gateway"
)

// Deps is what the wiring of one service can draw on.
type Deps struct {
	Config config.Service
	Log    *slog.Logger
	// HTTP is the client for calls to other services; its transport went through Variant.Transport.
	HTTP *http.Client
}

// Variant says how a variant wires its services. A nil field takes the
// synchronous REST default, so a variant names only what its pattern changes.
type Variant struct {
	Name string
	// Transport wraps the transport that service uses to call other services.
	Transport func(service string, next http.RoundTripper) http.RoundTripper
	// OrderingPorts builds the ports of the ordering service (default SyncOrderingPorts).
	OrderingPorts func(d Deps) (ordering.Ports, error)
	// Extend adds the variant's middleware or routes to a service's engine before
	// the service's own routes are registered.
	Extend func(service string, e *gin.Engine, d Deps) error
	// Gateway returns the variant's options for the gateway (a rate limiter, the live events …).
	Gateway func(cfg config.Gateway, log *slog.Logger) ([]gateway.Option, error)
	// Async, when set, makes the variant event-driven over RabbitMQ (see Async):
	// OrderingPorts and the internal routes are then not used.
	Async *Async
}

// BuildGateway returns the gateway's handler with the variant's options.
func BuildGateway(v Variant, cfg config.Gateway, log *slog.Logger) (http.Handler, error) {
	cfg.Variant = v.Name
	var opts []gateway.Option
	if v.Gateway != nil {
		var err error
		if opts, err = v.Gateway(cfg, log); err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
	}
	return gateway.New(cfg, log, opts...)
}

// SyncOrderingPorts hands ordering HTTP clients of the other services.
func SyncOrderingPorts(d Deps) (ordering.Ports, error) {
	u := d.Config.URLs
	w := clients.NewWarehouse(u.Warehouse, d.HTTP)
	return ordering.Ports{Customers: clients.NewCustomers(u.Customers, d.HTTP), Catalog: w, Reservations: w,
		Shipping: clients.NewShipping(u.Shipping, d.HTTP), Billing: clients.NewBilling(u.Billing, d.HTTP)}, nil
}

// SyncOrderingPortsVia hands ordering the HTTP clients of SyncOrderingPorts with
// their transport wrapped by wrap: the seam where a reliability pattern sits
// between ordering and every service it calls.
func SyncOrderingPortsVia(wrap func(d Deps, next http.RoundTripper) (http.RoundTripper, error)) func(Deps) (ordering.Ports, error) {
	return func(d Deps) (ordering.Ports, error) {
		t, err := wrap(d, d.HTTP.Transport)
		if err != nil {
			return ordering.Ports{}, err
		}
		d.HTTP = &http.Client{Transport: t, Timeout: d.HTTP.Timeout}
		return SyncOrderingPorts(d)
	}
}

// Service is one built service: its HTTP handler and what must be closed after it.
type Service struct {
	Handler http.Handler
	Close   func() error
}

// Build opens the service's database, seeds it, wires the service as the variant
// says and returns its HTTP handler.
func Build(ctx context.Context, v Variant, cfg config.Service, log *slog.Logger) (*Service, error) {
	db, err := store.OpenService(ctx, cfg.Name, cfg.DatabaseURL, cfg.SQLitePath)
	if err != nil {
		return nil, fmt.Errorf("%s: open database: %w", cfg.Name, err)
	}
	d := Deps{Config: cfg, Log: log, HTTP: httpClient(v, cfg)}
	w := syncWiring(v, db, d)
	if v.Async != nil {
		if w, err = asyncWiring(ctx, v, db, d); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: %w", cfg.Name, err)
		}
	}
	e := httpx.NewEngine(log)
	httpx.Health(e, w.checks)
	if err := installFaults(e, cfg.Name, log); err != nil {
		w.close()
		return nil, err
	}
	if v.Extend != nil {
		if err := v.Extend(cfg.Name, e, d); err != nil {
			w.close()
			return nil, fmt.Errorf("%s: extend: %w", cfg.Name, err)
		}
	}
	if err := w.register(ctx, e); err != nil {
		w.close()
		return nil, fmt.Errorf("%s: %w", cfg.Name, err)
	}
	return &Service{Handler: e, Close: w.close}, nil
}

// wiring is how Build makes one service: its readiness checks, its routes
// (registered, seeded and started by register) and what closes it.
type wiring struct {
	checks   map[string]httpx.Check
	register func(ctx context.Context, e *gin.Engine) error
	close    func() error
}

// syncWiring wires a service of a synchronous variant.
func syncWiring(v Variant, db *store.DB, d Deps) *wiring {
	return &wiring{
		checks:   map[string]httpx.Check{"database": db.Ping},
		register: func(ctx context.Context, e *gin.Engine) error { return register(ctx, v, e, db, d) },
		close:    db.Close,
	}
}

// installFaults gives the service the lab's fault injection (shared/faults), off
// unless <SVC>_FAULTS sets some: it is lab infrastructure, not a pattern, so every
// variant has it, and PUT /admin/faults changes it at run time.
func installFaults(e *gin.Engine, service string, log *slog.Logger) error {
	s, err := faults.Parse(config.LoadFaults(service, config.Env))
	if err != nil {
		return fmt.Errorf("%s: %s_FAULTS: %w", service, strings.ToUpper(service), err)
	}
	in, err := faults.New(service, s, faults.WithLogger(log))
	if err != nil {
		return err
	}
	if s != (faults.Settings{}) {
		log.Warn("faults injected from the start", "faults", s.String())
	}
	in.Install(e)
	return nil
}

func httpClient(v Variant, cfg config.Service) *http.Client {
	var t http.RoundTripper = http.DefaultTransport.(*http.Transport).Clone()
	t.(*http.Transport).MaxIdleConnsPerHost = 64
	if v.Transport != nil {
		t = v.Transport(cfg.Name, t)
	}
	return &http.Client{Transport: t, Timeout: cfg.HTTPTimeout}
}
