package main

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

// variant wires every service with the synchronous defaults, except that every
// request ordering serves gets a budget, and every call ordering makes a
// deadline within it (timeout.go).
var variant = newVariant(config.Env)

// newVariant returns the variant with its settings read from env.
func newVariant(env config.Getenv) app.Variant {
	return app.Variant{
		Name: "timeout",
		OrderingPorts: func(d app.Deps) (ordering.Ports, error) {
			s, err := config.LoadTimeouts(env)
			if err != nil {
				return ordering.Ports{}, err
			}
			d.Log.Info("timeouts", "call", s.Call, "request_budget", s.Request)
			d.HTTP = &http.Client{Transport: deadlines{next: d.HTTP.Transport, call: s.Call}, Timeout: d.HTTP.Timeout}
			return app.SyncOrderingPorts(d)
		},
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
