package main

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
)

// variant wires every service with the synchronous defaults, except that
// ordering's calls to each other service go through a bulkhead of their own
// (bulkhead.go), whose state ordering serves at /admin/bulkheads.
var variant = newVariant(config.Env)

// newVariant returns the variant with its settings read from env. Each value has
// bulkheads of its own: a process wires one ordering, and a test that starts a
// stack makes a value for it.
func newVariant(env config.Getenv) app.Variant {
	bs := &bulkheads{}
	return app.Variant{
		Name: "bulkhead",
		OrderingPorts: app.SyncOrderingPortsVia(func(d app.Deps, next http.RoundTripper) (http.RoundTripper, error) {
			s, err := config.LoadBulkhead(env)
			if err != nil {
				return nil, err
			}
			d.Log.Info("bulkheads", "limits", s)
			return bs.partition(next, d.Config.URLs, s), nil
		}),
		Extend: func(service string, e *gin.Engine, _ app.Deps) error {
			if service == "ordering" {
				e.GET("/admin/bulkheads", bs.list)
			}
			return nil
		},
	}
}
