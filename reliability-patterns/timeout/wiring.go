package main

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
)

// variant wires every service with the synchronous defaults, except that every
// request ordering serves gets a budget, and every call ordering makes a
// deadline within it (timeout.go).
var variant = newVariant(config.Env)

// newVariant returns the variant with its settings read from env.
func newVariant(env config.Getenv) app.Variant {
	return app.Variant{
		Name: "timeout",
		OrderingPorts: app.SyncOrderingPortsVia(func(d app.Deps, next http.RoundTripper) (http.RoundTripper, error) {
			s, err := config.LoadTimeouts(env)
			if err != nil {
				return nil, err
			}
			d.Log.Info("timeouts", "call", s.Call, "request_budget", s.Request)
			return deadlines{next: next, call: s.Call}, nil
		}),
		Extend: func(service string, e *gin.Engine, _ app.Deps) error {
			if service != "ordering" {
				return nil
			}
			s, err := config.LoadTimeouts(env)
			if err != nil {
				return err
			}
			e.Use(budget(s.Request))
			return nil
		},
	}
}
