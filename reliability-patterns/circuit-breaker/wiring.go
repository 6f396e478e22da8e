package main

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
)

// variant wires every service with the synchronous defaults, except that
// ordering's calls to the warehouse, shipping and billing each go through a
// circuit breaker (breaker.go), whose state ordering serves at /admin/breakers.
var variant = newVariant(config.Env)

// newVariant returns the variant with its settings read from env. Each value has
// breakers of its own: a process wires one ordering, and a test that starts a
// stack makes a value for it.
func newVariant(env config.Getenv) app.Variant {
	bs := &breakers{}
	return app.Variant{
		Name: "circuit-breaker",
		OrderingPorts: app.SyncOrderingPortsVia(func(d app.Deps, next http.RoundTripper) (http.RoundTripper, error) {
			s, err := config.LoadBreaker(env)
			if err != nil {
				return nil, err
			}
			d.Log.Info("circuit breakers", "services", guarded, "failures", s.Failures, "cooldown", s.Cooldown, "trials", s.Trials)
			return bs.guard(next, d.Config.URLs, s, d.Log), nil
		}),
		Extend: func(service string, e *gin.Engine, _ app.Deps) error {
			if service == "ordering" {
				e.GET("/admin/breakers", bs.list)
			}
			return nil
		},
	}
}
