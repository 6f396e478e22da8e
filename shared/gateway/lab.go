package gateway

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// probeTimeout bounds one readiness check of /api/lab/info.
const probeTimeout = time.Second

// LabInfo is the answer of GET /api/lab/info.
type LabInfo struct {
	Variant  string          `json:"variant"`
	Base     string          `json:"base"`
	Patterns []string        `json:"patterns"`
	Features Features        `json:"features"`
	Links    Links           `json:"links"`
	Services []ServiceHealth `json:"services"`
	// Instances lists every instance of each service and its health: one per
	// service unless the lab runs replicas (LAB_REPLICAS).
	Instances map[string][]InstanceHealth `json:"instances"`
}

// Links are the addresses of the lab's viewers that run beside the variant,
// each absent when none runs.
type Links struct {
	Traces  string `json:"traces,omitempty"`  // the trace viewer: <traces>/traces/<traceId> shows one trace
	Metrics string `json:"metrics,omitempty"` // Prometheus
}

// Features says which of the gateway's lab endpoints the running variant
// serves, so that a client asks for nothing the variant lacks.
type Features struct {
	Events   bool `json:"events"`   // GET /api/lab/events: the variant uses a broker
	Faults   bool `json:"faults"`   // /api/lab/faults/{service}: every variant
	Patterns bool `json:"patterns"` // GET /api/lab/patterns has something to show
	// History: GET /api/orders/{orderId}/events and ?asOf=/?version= answer
	// (the base keeps each order's history).
	History bool `json:"history"`
	// ReadModel: the reads of orders come from a read model that follows the
	// writes (CQRS), so they carry a version and X-Read-Model-Lag.
	ReadModel bool `json:"readModel"`
	// RefuseAbove, when set, says that the flow undoes a refused step (a saga's
	// compensation) and that billing refuses an order whose total is above it, in cents.
	RefuseAbove int64 `json:"refuseAbove,omitempty"`
	Login       bool  `json:"login"`   // /auth/login, /auth/logout and GET /api/lab/session: a security pattern runs
	Metrics     bool  `json:"metrics"` // GET /api/lab/metrics/query_range: Prometheus runs beside the variant
}

// ServiceHealth is what the gateway saw when it asked one service's /readyz.
type ServiceHealth struct {
	Name      string  `json:"name"`
	URL       string  `json:"url"`
	Healthy   bool    `json:"healthy"`
	Status    int     `json:"status,omitempty"` // 0 when no answer came back
	LatencyMs float64 `json:"latencyMs"`
	Error     string  `json:"error,omitempty"`
}

// info answers the variant and the readiness of every service, checked concurrently.
func (g *gateway) info(c *gin.Context) {
	out := LabInfo{Variant: g.variant, Base: g.opts.base, Patterns: []string{},
		Features: Features{Events: g.opts.events != nil, Faults: true, Patterns: len(g.opts.patterns) > 0,
			History: g.opts.history, ReadModel: g.opts.readModel, RefuseAbove: g.opts.refuse,
			Login: g.opts.login, Metrics: g.prometheus != nil},
		Links:    Links{Traces: g.traceViewer, Metrics: g.prometheusLink},
		Services: make([]ServiceHealth, len(config.Services))}
	if out.Base == "" {
		out.Base = g.variant
	}
	for _, p := range g.opts.patterns {
		out.Patterns = append(out.Patterns, p.Name)
	}
	instances, services := g.instanceHealth(c.Request.Context())
	out.Instances = instances
	for i, name := range config.Services {
		out.Services[i] = services[name]
	}
	c.JSON(http.StatusOK, out)
}

// checkURL asks the /readyz of the instance of service name at base.
func (g *gateway) checkURL(ctx context.Context, name string, base *url.URL) ServiceHealth {
	s := ServiceHealth{Name: name, URL: base.String()}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base.String(), "/")+"/readyz", nil)
	if err != nil {
		s.Error = err.Error()
		return s
	}
	req.Header.Set(httpx.RequestIDHeader, httpx.RequestID(ctx))
	start := time.Now()
	resp, err := g.probe.Do(req)
	s.LatencyMs = math.Round(float64(time.Since(start).Microseconds())/100) / 10
	if err != nil {
		s.Error = rootCause(err).Error()
		if isTimeout(err) {
			s.Error = fmt.Sprintf("no answer within %s", probeTimeout)
		}
		return s
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	s.Status, s.Healthy = resp.StatusCode, resp.StatusCode == http.StatusOK
	if !s.Healthy {
		s.Error = "/readyz answered " + resp.Status
	}
	return s
}

// events delegates to the variant's event stream, when it has one.
func (g *gateway) events(h http.Handler) gin.HandlerFunc {
	if h != nil {
		return gin.WrapH(h)
	}
	return func(c *gin.Context) {
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusNotFound,
			fmt.Sprintf("variant %s has no events: it uses no message broker", g.variant)))
	}
}

// faults reads or sets the fault injection of one service (its /admin/faults).
func (g *gateway) faults(c *gin.Context) {
	name := c.Param("service")
	target, ok := g.services[name]
	if !ok {
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusNotFound,
			fmt.Sprintf("unknown service %q: want one of %s", name, strings.Join(config.Services, ", "))))
		return
	}
	// A setting goes to every instance of a scaled-out service; a read, to one.
	g.pass(c, route{service: name, target: target, path: "/admin/faults",
		missing: fmt.Sprintf("variant %s has no fault injection", g.variant), every: c.Request.Method == http.MethodPut})
}

// readModel forwards to ordering's read model (a CQRS base, WithOrders):
// GET /api/lab/read-model, its lag, and POST /api/lab/read-model/rebuild,
// which replays its log into fresh tables. Elsewhere both answer 404.
func (g *gateway) readModel(path string) gin.HandlerFunc {
	return func(c *gin.Context) {
		missing := fmt.Sprintf("variant %s has no read model", g.variant)
		if !g.opts.readModel {
			httpx.WriteProblem(c, httpx.NewProblem(http.StatusNotFound, missing))
			return
		}
		g.pass(c, route{service: "ordering", target: g.services["ordering"], path: path, missing: missing})
	}
}
