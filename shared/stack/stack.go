// Package stack runs a variant in one process, for tests and benchmarks: the
// five services and the gateway, each on a loopback port of its own, and
// stops or restarts one service as a crash would.
package stack

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// Options change how StartStack runs a variant.
type Options struct {
	DataDir      string            // where the SQLite files go; required unless every service has a database URL
	DatabaseURLs map[string]string // PostgreSQL URL per service, optional
	ShipDelay    time.Duration     // 0 in tests
	Log          *slog.Logger      // nil: discard
	// Env overrides environment variables for the services' configuration.
	Env map[string]string
	// Replicas is how many instances of each service run (0 or 1: one), each
	// on a port of its own and all on the service's one database, which must
	// then be PostgreSQL (DatabaseURLs); the gateway and the services balance
	// their calls over them. Instance k (from 0) is named
	// config.InstanceName(service, k) for StopService and StartService.
	Replicas int
}

// Stack is a variant running in this process: five services and the gateway,
// each on its own loopback port.
type Stack struct {
	URL      string            // the gateway's base URL
	Services map[string]string // each service's base URL
	// Processes are the base URLs of the patterns' extra processes (app.Process).
	Processes map[string]string
	// Instances are the base URLs of every instance of each service (Options.Replicas),
	// by instance name: warehouse, warehouse-2 …; Services holds the first of each.
	Instances map[string]string
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	errs      chan error
	// what StopService and StartService need (stack_control.go)
	v       app.Variant
	env     config.Getenv
	log     *slog.Logger
	ctx     context.Context
	mu      sync.Mutex
	running map[string]*running
	stopped []stoppedService
	// closeGateway releases what the gateway's extensions hold
	closeGateway func() error
	extra        []func() error // close the extra processes
	replicas     int            // instances of each service
}

// Start starts every service of the variant and the gateway on 127.0.0.1:0.
func Start(ctx context.Context, v app.Variant, opts Options) (*Stack, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	listeners := map[string]net.Listener{}
	st := &Stack{Services: map[string]string{}, Processes: map[string]string{}, Instances: map[string]string{},
		errs: make(chan error, 8), v: v, log: opts.Log, running: map[string]*running{}}
	if opts.Replicas > 1 && len(opts.DatabaseURLs) < len(config.Services) {
		return nil, errors.New("stack: replicas need every service on PostgreSQL (Options.DatabaseURLs)")
	}
	extra := v.ProcessNames(func(k string) string { return opts.Env[k] })
	for _, name := range append(append([]string{"gateway"}, extra...), config.Services...) {
		ln, err := httpx.Listen("127.0.0.1:0")
		if err != nil {
			closeAll(listeners)
			return nil, err
		}
		listeners[name] = ln
		st.Services[name] = "http://" + ln.Addr().String()
	}
	for _, svc := range config.Services {
		st.Instances[svc] = st.Services[svc]
		for k := 1; k < opts.Replicas; k++ {
			ln, err := httpx.Listen("127.0.0.1:0")
			if err != nil {
				closeAll(listeners)
				return nil, err
			}
			name := config.InstanceName(svc, k)
			listeners[name] = ln
			st.Instances[name] = "http://" + ln.Addr().String()
		}
	}
	st.replicas = max(opts.Replicas, 1)
	st.URL = st.Services["gateway"]
	delete(st.Services, "gateway")
	for _, name := range extra {
		st.Processes[name] = st.Services[name]
		delete(st.Services, name)
	}
	env := stackEnv(v, st, opts)
	st.env = env
	ctx, st.cancel = context.WithCancel(ctx)
	st.ctx = ctx
	for _, name := range extra {
		if err := st.startProcess(ctx, v, name, env, listeners[name], opts.Log); err != nil {
			closeAll(listeners)
			st.Stop()
			return nil, err
		}
	}
	for _, svc := range config.Services {
		for k := range st.replicas {
			name := config.InstanceName(svc, k)
			if err := st.startService(ctx, v, name, env, listeners[name], opts.Log); err != nil {
				closeAll(listeners)
				st.Stop()
				return nil, err
			}
		}
	}
	if err := st.startGateway(ctx, v, env, listeners["gateway"], opts.Log); err != nil {
		return st, err
	}
	if err := st.waitReady(ctx, readyTimeout); err != nil {
		st.Stop()
		return nil, err
	}
	return st, nil
}

func stackEnv(v app.Variant, st *Stack, opts Options) config.Getenv {
	env := map[string]string{"LAB_VARIANT": v.Name, "LAB_DATA_DIR": opts.DataDir, "SHIPPING_DELAY": opts.ShipDelay.String(),
		// Repairs run on demand in tests (POST /admin/reconcile), never behind a test's back.
		"ORDERING_RECONCILE_INTERVAL": "0", "SHIPPING_RECONCILE_INTERVAL": "0"}
	for name, u := range st.Services {
		env[strings.ToUpper(name)+"_URL"] = u
		if st.replicas > 1 {
			env[strings.ToUpper(name)+"_URL"] = strings.Join(st.InstanceURLs(name), ",")
		}
	}
	for name, u := range st.Processes {
		env[strings.ToUpper(name)+"_URL"] = u
	}
	for name, u := range opts.DatabaseURLs {
		env[strings.ToUpper(name)+"_DATABASE_URL"] = u
	}
	for k, val := range opts.Env {
		env[k] = val
	}
	return func(k string) string { return env[k] }
}

// InstanceURLs returns the base URLs of every instance of service, the first first.
func (st *Stack) InstanceURLs(service string) []string {
	var out []string
	for k := range st.replicas {
		out = append(out, st.Instances[config.InstanceName(service, k)])
	}
	return out
}

// startService starts the instance name of a service (warehouse, warehouse-2 …).
func (st *Stack) startService(ctx context.Context, v app.Variant, name string, env config.Getenv, ln net.Listener, log *slog.Logger) error {
	cfg, err := config.LoadService(config.ServiceOf(name), v.Name, env)
	if err != nil {
		return err
	}
	slog := log.With("service", cfg.Name)
	if name != cfg.Name {
		slog = slog.With("instance", name)
	}
	svc, err := app.Build(ctx, v, cfg, env, slog)
	if err != nil {
		return err
	}
	st.track(ctx, name, ln, svc)
	return nil
}

// startProcess starts an extra process of the variant's patterns.
func (st *Stack) startProcess(ctx context.Context, v app.Variant, name string, env config.Getenv, ln net.Listener, log *slog.Logger) error {
	h, closeProcess, err := app.BuildProcess(ctx, v, name, st.Processes[name], env, log.With("service", name))
	if err != nil {
		return err
	}
	st.extra = append(st.extra, closeProcess)
	st.serve(ctx, ln, h, log)
	return nil
}

// Env returns the settings the stack's services were started with (the
// URLs of every process among them).
func (st *Stack) Env() config.Getenv { return st.env }

func (st *Stack) startGateway(ctx context.Context, v app.Variant, env config.Getenv, ln net.Listener, log *slog.Logger) error {
	cfg, err := config.LoadGateway(env)
	if err != nil {
		st.Stop()
		return err
	}
	cfg.UIDist = ""
	h, closeGateway, err := app.BuildGateway(v, cfg, env, log.With("service", "gateway"))
	if err != nil {
		ln.Close()
		st.Stop()
		return err
	}
	st.closeGateway = closeGateway
	st.serve(ctx, ln, h, log)
	return nil
}

func (st *Stack) serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) {
	st.wg.Add(1)
	go func() {
		defer st.wg.Done()
		if err := httpx.Serve(ctx, ln, h, log, 2*time.Second); err != nil && !errors.Is(err, http.ErrServerClosed) {
			st.errs <- err
		}
	}()
}

// Stop shuts every server down and closes the databases.
func (st *Stack) Stop() {
	st.cancel()
	st.wg.Wait()
	st.mu.Lock()
	defer st.mu.Unlock()
	for name, r := range st.running {
		_ = r.close()
		delete(st.running, name)
	}
	if st.closeGateway != nil {
		_ = st.closeGateway()
		st.closeGateway = nil
	}
	for _, c := range st.extra {
		_ = c()
	}
	st.extra = nil
}

func closeAll(ls map[string]net.Listener) {
	for _, ln := range ls {
		ln.Close()
	}
}
