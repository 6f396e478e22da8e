package main

import (
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/services/ordering"
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
		OrderingPorts: func(d app.Deps) (ordering.Ports, error) {
			s, err := config.LoadRetry(env)
			if err != nil {
				return ordering.Ports{}, err
			}
			d.Log.Info("retries", "attempts", s.Attempts, "base_delay", s.BaseDelay, "max_delay", s.MaxDelay, "budget", s.Budget)
			rt := &retrier{next: d.HTTP.Transport, settings: s, hosts: d.Config.URLs.Hosts(), counts: counts,
				log: d.Log, random: rand.Float64, sleep: sleep, now: time.Now}
			d.HTTP = &http.Client{Transport: rt, Timeout: d.HTTP.Timeout}
			return app.SyncOrderingPorts(d)
		},
		Extend: func(service string, e *gin.Engine, _ app.Deps) error {
			if service == "ordering" {
				e.GET("/admin/retries", counts.list)
			}
			return nil
		},
	}
}
