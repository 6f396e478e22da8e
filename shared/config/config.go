// Package config is the one place that reads the environment. Every binary of the
// lab gets a Config with defaults that need nothing set for a local run.
package config

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Services names the five services of the ordering case, in start order.
var Services = []string{"customers", "warehouse", "shipping", "billing", "ordering"}

// DefaultPorts are the ports of CONTRACT.md.
var DefaultPorts = map[string]int{
	"gateway": 8080, "customers": 8081, "ordering": 8082, "warehouse": 8083,
	"shipping": 8084, "billing": 8085, "auth": 8086,
}

// Service is what a service process needs to know.
type Service struct {
	Name        string // customers, ordering, warehouse, shipping or billing
	Variant     string // the running variant, e.g. rest (the binary knows it)
	Addr        string // listen address, <NAME>_ADDR
	DatabaseURL string // <NAME>_DATABASE_URL; empty means the SQLite file
	SQLitePath  string // <LAB_DATA_DIR>/<variant>/<name>.db
	URLs        URLs   // where the other services are (the first instance of each)
	// Instances are the base URLs of every instance of each service: a
	// <SERVICE>_URL may list several, separated by commas.
	Instances   map[string][]string
	AMQPURL     string        // AMQP_URL
	RunID       string        // LAB_RUN_ID: isolates broker names between runs
	ShipDelay   time.Duration // SHIPPING_DELAY
	HTTPTimeout time.Duration // LAB_HTTP_TIMEOUT: deadline of one call to another service
	// CommandBudget bounds one ordering command once it has started changing
	// state, whatever the client does (ORDERING_COMMAND_BUDGET).
	CommandBudget time.Duration
	// ReconcileInterval is how often the service repairs what a crash left
	// half-done (<NAME>_RECONCILE_INTERVAL: ordering's reconciler, shipping's
	// shipper in the synchronous variants); 0 means on demand only.
	ReconcileInterval time.Duration
	Log               Log
}

// Gateway is what the gateway process needs to know.
type Gateway struct {
	Variant string
	Addr    string // GATEWAY_ADDR
	UIDist  string // UI_DIST: the built UI, served at /
	URLs    URLs
	// Instances are the base URLs of every instance of each service (a
	// comma-separated <SERVICE>_URL); the gateway balances its calls over them.
	Instances map[string][]string
	AMQPURL   string
	RunID     string
	Log       Log
	// UpstreamTimeout bounds the wait for an upstream's answer, its status and
	// headers (GATEWAY_UPSTREAM_TIMEOUT); WriteTimeout bounds the rest.
	UpstreamTimeout time.Duration
	// ReadTimeout bounds reading one request, its body included, from its
	// first byte (GATEWAY_READ_TIMEOUT).
	ReadTimeout time.Duration
	// WriteTimeout bounds one request from its headers to the end of its answer
	// (GATEWAY_WRITE_TIMEOUT); the live event stream is exempt.
	WriteTimeout time.Duration
	// MaxInFlight caps the requests served at once (GATEWAY_MAX_INFLIGHT); beyond it, 503.
	MaxInFlight int
	// MaxEventStreams caps the open live event streams (GATEWAY_MAX_EVENT_STREAMS); beyond it, 503.
	MaxEventStreams int
	// TraceViewerURL is the trace viewer's address (LAB_TRACE_VIEWER_URL), linked from the UI; empty: none.
	TraceViewerURL string
	// PrometheusURL is Prometheus's address (LAB_PROMETHEUS_URL), queried through the gateway; empty: none.
	PrometheusURL string
}

// URLs are the base URLs of the services.
type URLs struct {
	Customers, Ordering, Warehouse, Shipping, Billing string
}

// ByName returns the base URL of the named service.
func (u URLs) ByName() map[string]string {
	return map[string]string{"customers": u.Customers, "ordering": u.Ordering, "warehouse": u.Warehouse,
		"shipping": u.Shipping, "billing": u.Billing}
}

// Log says how a process logs.
type Log struct {
	Level  slog.Level // LOG_LEVEL: debug, info, warn, error
	Format string     // LOG_FORMAT: text or json
}

// Getenv looks up one variable; os.Getenv in production, a map in tests.
type Getenv func(string) string

// Env is the process environment.
var Env Getenv = os.Getenv

// LoadService reads the configuration of the named service of a variant.
func LoadService(name, variant string, env Getenv) (Service, error) {
	port, ok := DefaultPorts[name]
	if !ok || name == "gateway" || name == "auth" {
		return Service{}, fmt.Errorf("unknown service %q: want one of %s", name, strings.Join(Services, ", "))
	}
	r := reader{env: env}
	upper := strings.ToUpper(name)
	s := Service{
		Name:        name,
		Variant:     variant,
		Addr:        r.str(upper+"_ADDR", fmt.Sprintf("127.0.0.1:%d", port)),
		DatabaseURL: r.str(upper+"_DATABASE_URL", ""),
		SQLitePath:  filepath.Join(r.str("LAB_DATA_DIR", "data"), variant, name+".db"),
		URLs:        loadURLs(&r),
		Instances:   loadInstances(&r),
		AMQPURL:     r.str("AMQP_URL", "amqp://guest:guest@localhost:5672/"),
		RunID:       r.str("LAB_RUN_ID", ""),
		ShipDelay:   r.duration("SHIPPING_DELAY", 300*time.Millisecond),
		HTTPTimeout: r.duration("LAB_HTTP_TIMEOUT", 10*time.Second),
		Log:         loadLog(&r),
	}
	s.CommandBudget = r.duration("ORDERING_COMMAND_BUDGET", 30*time.Second)
	s.ReconcileInterval = r.duration(upper+"_RECONCILE_INTERVAL", 10*time.Second)
	return s, r.err
}

// Process is what an extra process of a pattern (app.Process) needs to know.
type Process struct {
	Name string
	Addr string // <NAME>_ADDR
	URL  string // <NAME>_URL: where clients reach it, by default http:// and its listen address
	Log  Log
}

// LoadProcess reads the configuration of the extra process name, whose
// default port is DefaultPorts[name].
func LoadProcess(name string, env Getenv) (Process, error) {
	port, ok := DefaultPorts[name]
	if !ok {
		return Process{}, fmt.Errorf("unknown process %q: it has no port in config.DefaultPorts", name)
	}
	r := reader{env: env}
	upper := strings.ToUpper(name)
	p := Process{Name: name, Addr: r.str(upper+"_ADDR", fmt.Sprintf("127.0.0.1:%d", port)), Log: loadLog(&r)}
	p.URL = r.str(upper+"_URL", "http://"+DialAddr(p.Addr))
	return p, r.err
}

// LoadGateway reads the configuration of the gateway.
func LoadGateway(env Getenv) (Gateway, error) {
	r := reader{env: env}
	g := Gateway{
		Variant:         r.str("LAB_VARIANT", "rest"),
		Addr:            r.str("GATEWAY_ADDR", "127.0.0.1:8080"),
		UIDist:          r.str("UI_DIST", filepath.Join("ui-frontend", "dist")),
		URLs:            loadURLs(&r),
		Instances:       loadInstances(&r),
		AMQPURL:         r.str("AMQP_URL", "amqp://guest:guest@localhost:5672/"),
		RunID:           r.str("LAB_RUN_ID", ""),
		Log:             loadLog(&r),
		UpstreamTimeout: r.duration("GATEWAY_UPSTREAM_TIMEOUT", 30*time.Second),
		ReadTimeout:     r.duration("GATEWAY_READ_TIMEOUT", 10*time.Second),
		MaxInFlight:     r.integer("GATEWAY_MAX_INFLIGHT", 512),
		MaxEventStreams: r.integer("GATEWAY_MAX_EVENT_STREAMS", 64),
		TraceViewerURL:  r.str("LAB_TRACE_VIEWER_URL", ""),
		PrometheusURL:   r.str("LAB_PROMETHEUS_URL", ""),
	}
	g.WriteTimeout = r.duration("GATEWAY_WRITE_TIMEOUT", g.UpstreamTimeout+10*time.Second)
	if g.MaxInFlight < 1 {
		r.fail("GATEWAY_MAX_INFLIGHT", fmt.Errorf("want at least 1, got %d", g.MaxInFlight))
	}
	if g.MaxEventStreams < 1 {
		r.fail("GATEWAY_MAX_EVENT_STREAMS", fmt.Errorf("want at least 1, got %d", g.MaxEventStreams))
	}
	for _, kv := range [][2]string{{"LAB_TRACE_VIEWER_URL", g.TraceViewerURL}, {"LAB_PROMETHEUS_URL", g.PrometheusURL}} {
		key, v := kv[0], kv[1]
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			r.fail(key, fmt.Errorf("want an absolute http(s) URL, got %q", v))
		}
	}
	return g, r.err
}

func loadURLs(r *reader) URLs {
	def := func(name string) string { return loadInstanceURLs(r, name)[0] }
	return URLs{Customers: def("customers"), Ordering: def("ordering"), Warehouse: def("warehouse"),
		Shipping: def("shipping"), Billing: def("billing")}
}

// loadInstanceURLs reads the URLs of a service's instances: its <SERVICE>_URL,
// one URL or several separated by commas.
func loadInstanceURLs(r *reader, name string) []string {
	urls := SplitURLs(r.str(strings.ToUpper(name)+"_URL", ""))
	if len(urls) == 0 {
		urls = []string{fmt.Sprintf("http://127.0.0.1:%d", DefaultPorts[name])}
	}
	return urls
}

func loadInstances(r *reader) map[string][]string {
	out := map[string][]string{}
	for _, name := range Services {
		out[name] = loadInstanceURLs(r, name)
	}
	return out
}

func loadLog(r *reader) Log {
	l := Log{Format: r.str("LOG_FORMAT", "text")}
	if err := l.Level.UnmarshalText([]byte(r.str("LOG_LEVEL", "info"))); err != nil {
		r.fail("LOG_LEVEL", err)
	}
	if l.Format != "text" && l.Format != "json" {
		r.fail("LOG_FORMAT", fmt.Errorf("want text or json, got %q", l.Format))
	}
	return l
}

// reader reads variables and keeps the first error.
type reader struct {
	env Getenv
	err error
}

func (r *reader) str(key, def string) string {
	if v := strings.TrimSpace(r.env(key)); v != "" {
		return v
	}
	return def
}

func (r *reader) duration(key string, def time.Duration) time.Duration {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		r.fail(key, fmt.Errorf("want a duration such as 250ms, got %q", v))
		return def
	}
	return d
}

func (r *reader) integer(key string, def int) int {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.fail(key, fmt.Errorf("want an integer, got %q", v))
		return def
	}
	return n
}

func (r *reader) fail(key string, err error) {
	if r.err == nil {
		r.err = fmt.Errorf("config %s: %w", key, err)
	}
}

// NewLogger returns the logger a process writes with, tagged with its name.
func NewLogger(l Log, name string) *slog.Logger {
	return slog.New(newHandler(l, os.Stderr)).With("service", name)
}

// newHandler is the handler of l's format and level, writing to w.
func newHandler(l Log, w io.Writer) slog.Handler {
	opts := &slog.HandlerOptions{Level: l.Level}
	if l.Format == "json" {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}

// MaskURL hides the password of a URL for logging.
func MaskURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	cred := u[scheme+3 : at]
	if i := strings.Index(cred, ":"); i >= 0 {
		return u[:scheme+3] + cred[:i] + ":***" + u[at:]
	}
	return u
}

// Test is what tests need from the environment.
type Test struct {
	CI          bool   // CI=true: a test that needs an absent server fails instead of skipping
	PostgresURL string // LAB_TEST_POSTGRES_URL
	AMQPURL     string // AMQP_URL
	LabURL      string // LAB_URL: a running lab's gateway, for the smoke test
	LabToken    string // LAB_TOKEN: the bearer token the smoke test sends to a security variant
}

// LoadTest reads the configuration of the tests.
func LoadTest(env Getenv) Test {
	r := reader{env: env}
	return Test{
		CI:          r.str("CI", "") == "true" || r.str("CI", "") == "1",
		PostgresURL: r.str("LAB_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
		AMQPURL:     r.str("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
		LabURL:      r.str("LAB_URL", "http://127.0.0.1:8080"),
		LabToken:    r.str("LAB_TOKEN", ""),
	}
}
