// Package metrics is the metrics pattern: every service and the gateway count
// and time what they do — requests per route, calls per callee, orders,
// reservations, stock, messages — and serve it at GET /metrics for Prometheus
// to scrape (metrics.go, business.go). Compose it with any base: metrics alone
// is rest plus metrics; with tracing too, histograms carry exemplars that name
// a trace.
package metrics

import (
	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/telemetry"
)

// Pattern is metrics, as the lab's catalogue lists it.
var Pattern = app.RegisterPattern(&app.Pattern{
	Name:        "metrics",
	Category:    "observability",
	Description: "Prometheus metrics at /metrics: requests, calls, orders, stock and messages per service",
	Extend:      extend,
	Companions:  []app.Companion{Prometheus},
}, "rest")

// extend gives the service a meter provider and a Prometheus registry of its
// own, and observes the service through the seam only: its requests (the
// metrics slot), its calls (one wrapper per callee), its events (the relay and
// the consumer), and, at scrape time, what it already serves (its products,
// its patterns' state).
func extend(s app.Scope) (*app.Extension, error) {
	cfg, err := config.LoadTelemetry(s.Env)
	if err != nil {
		return nil, err
	}
	self, err := selfURL(s)
	if err != nil {
		return nil, err
	}
	tel, err := telemetry.New(s.Service, cfg, telemetry.Signals{Metrics: true})
	if err != nil {
		return nil, err
	}
	m, err := newMeters(s.Service, tel, self)
	if err != nil {
		tel.Close()
		return nil, err
	}
	return &app.Extension{
		Metrics:   []gin.HandlerFunc{m.serve(tel.Handler()), m.requests},
		Inbound:   m.business(),
		Call:      m.call,
		Messaging: m.messaging,
		Close:     tel.Close,
	}, nil
}

// selfURL is where the service itself is reached (its <SVC>_URL), for what
// the pattern reads at scrape time; "" for the gateway.
func selfURL(s app.Scope) (string, error) {
	if s.Service == "gateway" {
		return "", nil
	}
	cfg, err := config.LoadService(s.Service, s.Variant, s.Env)
	if err != nil {
		return "", err
	}
	return cfg.URLs.ByName()[s.Service], nil
}
