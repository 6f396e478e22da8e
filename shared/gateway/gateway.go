// Package gateway is the lab's one entry point: it proxies the public API to the
// five services, serves the UI, and answers the lab's own endpoints under /api/lab/
// (service health, live events, fault controls, the patterns' state).
package gateway

import (
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/balance"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// Option changes the gateway that New builds; later variants add their pattern with one.
type Option func(*options)

type options struct {
	engine     []httpx.Option
	middleware int // how many handlers engine adds
	calls      []func(service string, next http.RoundTripper) http.RoundTripper
	events     http.Handler
	base       string
	patterns   []PatternInfo
	local      func() ServiceStates
	refuse     int64 // the order total above which billing refuses (0: it refuses none)

	history, readModel bool // what /api/lab/info says of the base's orders (WithOrders)
	login              bool // a security pattern runs: /auth/* and /api/lab/session (WithLogin)
}

// WithOrders says what the base offers of orders beyond the contract: each
// order's history (history), reads from a read model (readModel); /api/lab/info
// tells the UI.
func WithOrders(history, readModel bool) Option {
	return func(o *options) { o.history, o.readModel = history, readModel }
}

// WithLogin says that the gateway answers /auth/login and /api/lab/session
// (a security pattern), for /api/lab/info's features.
func WithLogin() Option { return func(o *options) { o.login = true } }

// WithMiddleware adds middleware in front of every route, after the request id,
// the access log and authentication (a rate limiter …).
func WithMiddleware(m ...gin.HandlerFunc) Option { return WithStage(httpx.StageAfter, m...) }

// WithStage adds middleware to a slot of the middleware order (httpx.Stage).
func WithStage(s httpx.Stage, m ...gin.HandlerFunc) Option {
	return func(o *options) {
		o.engine = append(o.engine, httpx.WithStage(s, m...))
		o.middleware += len(m)
	}
}

// WithCalls wraps the transport of the gateway's calls to each service; the
// first wrapper given is the outermost.
func WithCalls(wrap func(service string, next http.RoundTripper) http.RoundTripper) Option {
	return func(o *options) { o.calls = append(o.calls, wrap) }
}

// WithPatterns names the running variant's base and patterns, and gives the
// state the patterns keep at the gateway itself, for /api/lab/patterns.
func WithPatterns(base string, patterns []PatternInfo, local func() ServiceStates) Option {
	return func(o *options) { o.base, o.patterns, o.local = base, patterns, local }
}

// WithEvents serves GET /api/lab/events with h: the live event stream of a
// variant that uses a message broker.
func WithEvents(h http.Handler) Option {
	return func(o *options) { o.events = h }
}

// WithRefuseAbove announces in /api/lab/info (features.refuseAbove) that the
// variant's flow compensates a refused step, and that billing refuses an order
// whose total, in cents, is above n (messaging's saga).
func WithRefuseAbove(n int64) Option {
	return func(o *options) { o.refuse = n }
}

// gateway holds what the handlers share.
type gateway struct {
	variant  string
	opts     options
	services map[string]*url.URL // base URL of each service, by name
	// instances are the base URLs of every instance of each service; pools
	// balance the proxied calls of a service that has more than one.
	instances map[string][]string
	pools     map[string]*balance.Pool
	// transports are the services' transports (perService); the proxies
	// share one buffer pool and one error log.
	transports map[string]http.RoundTripper
	buffers    httputil.BufferPool
	errorLog   *log.Logger
	timeout    time.Duration // bounds the wait for an upstream's answer; 0 means none
	probe      *http.Client  // for the readiness checks of /api/lab/info
	uiDist     string
	log        *slog.Logger
	// traceViewer and prometheusLink are the viewers' addresses for the UI;
	// prometheus, when set, is where /api/lab/metrics/query_range asks.
	traceViewer, prometheusLink string
	prometheus                  *url.URL
	metricsClient               *http.Client
}

// New returns the gateway's HTTP handler for cfg.
func New(cfg config.Gateway, log *slog.Logger, opts ...Option) (http.Handler, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	services, err := parseURLs(cfg.URLs)
	if err != nil {
		return nil, err
	}
	transport := upstreamTransport(cfg.UpstreamTimeout)
	instances, pools, err := newPools(cfg.Instances, services, transport)
	if err != nil {
		return nil, err
	}
	g := &gateway{
		variant:        cfg.Variant,
		opts:           o,
		services:       services,
		instances:      instances,
		pools:          pools,
		transports:     perService(transport, pools, o.calls),
		buffers:        httpx.NewBufferPool(),
		errorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		timeout:        cfg.UpstreamTimeout,
		probe:          &http.Client{Transport: transport, Timeout: probeTimeout},
		uiDist:         cfg.UIDist,
		log:            log,
		traceViewer:    strings.TrimSuffix(cfg.TraceViewerURL, "/"),
		prometheusLink: strings.TrimSuffix(cfg.PrometheusURL, "/"),
		metricsClient:  &http.Client{Transport: transport, Timeout: metricsTimeout},
	}
	if cfg.PrometheusURL != "" {
		if g.prometheus, err = url.Parse(g.prometheusLink); err != nil || g.prometheus.Host == "" {
			return nil, fmt.Errorf("gateway: LAB_PROMETHEUS_URL must be an absolute http(s) URL, got %q", cfg.PrometheusURL)
		}
	}
	// Every request through the gateway is worth a line, so the engine's access
	// log (debug level in the services) is written at info level here.
	l := newLimits(cfg.ReadTimeout, cfg.MaxInFlight)
	if es, ok := o.events.(*EventStream); ok && es.MaxSubscribers == 0 {
		es.MaxSubscribers = cfg.MaxEventStreams
	}
	// The limits come first after the lab's own middleware; a body is read only
	// for a request the patterns' middleware let through.
	// JSON answers are compressed outside every pattern's middleware, so that
	// its problems (a 401, a 429) are too.
	engine := append([]httpx.Option{httpx.WithStage(httpx.StageAuth, compressJSON()),
		httpx.WithMiddleware(l.inFlight())}, o.engine...)
	engine = append(engine, httpx.WithMiddleware(l.body()))
	access := slog.New(promote{log.Handler()})
	e := httpx.NewEngine(access, engine...)
	httpx.Health(e, nil)
	g.routes(e, o.events)
	var h http.Handler = e
	if o.middleware == 0 {
		// No pattern's middleware to run: the proxied paths need nothing of gin.
		h = g.lean(e, l, access)
	}
	return httpx.WithTimeouts(h, cfg.ReadTimeout, cfg.WriteTimeout), nil
}

func (g *gateway) routes(e *gin.Engine, events http.Handler) {
	for prefix, service := range routeTable {
		h := g.forward(service)
		e.Any(prefix, h)
		e.Any(prefix+"/*rest", h)
	}
	lab := e.Group("/api/lab")
	lab.GET("/info", g.info)
	lab.GET("/events", g.events(events))
	lab.GET("/faults/:service", g.faults)
	lab.PUT("/faults/:service", g.faults)
	lab.GET("/patterns", g.patterns)
	lab.GET("/read-model", g.readModel("/admin/read-model"))
	lab.POST("/read-model/rebuild", g.readModel("/admin/read-model/rebuild"))
	lab.GET("/metrics/query_range", g.metricsQueryRange)
	// The UI takes every path no route claims; it answers problems under /api/.
	e.NoRoute(g.ui)
}

func parseURLs(urls config.URLs) (map[string]*url.URL, error) {
	services := map[string]*url.URL{}
	byName := urls.ByName()
	for _, name := range config.Services {
		raw := byName[name]
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("gateway: the URL of %s must be an absolute http(s) URL, got %q", name, raw)
		}
		services[name] = u
	}
	return services, nil
}
