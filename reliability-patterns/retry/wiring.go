package main

import (
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
)

// variant wires every service with the synchronous defaults, except that
// ordering retries its calls to other services when they fail for a reason that
// may pass (retry.go), and serves its retry counts at /admin/retries.
var variant = newVariant(config.Env)

// newVariant returns the variant with its settings read from env. Each value has
// counters of its own: a process wires one ordering, and a test that starts a
// stack makes a value for it.
func newVariant(env config.Getenv) app.Variant {
	counts := &counters{}
	return app.Variant{
		Name: "retry",
		OrderingPorts: app.SyncOrderingPortsVia(func(d app.Deps, next http.RoundTripper) (http.RoundTripper, error) {
			s, err := config.LoadRetry(env)
			if err != nil {
				return nil, err
			}
			d.Log.Info("retries", "attempts", s.Attempts, "base_delay", s.BaseDelay, "max_delay", s.MaxDelay, "budget", s.Budget)
			return &retrier{next: next, settings: s, hosts: d.Config.URLs.Hosts(), counts: counts,
				log: d.Log, random: rand.Float64, sleep: sleep, now: time.Now}, nil
		}),
		Extend: func(service string, e *gin.Engine, _ app.Deps) error {
			if service == "ordering" {
				e.GET("/admin/retries", counts.list)
			}
			return nil
		},
	}
}
