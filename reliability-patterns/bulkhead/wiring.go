package main

import (
	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/services/ordering"
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
		OrderingPorts: func(d app.Deps) (ordering.Ports, error) {
			s, err := config.LoadBulkhead(env)
			if err != nil {
				return ordering.Ports{}, err
			}
			d.Log.Info("bulkheads", "limits", s)
			d.HTTP = bs.partition(d.HTTP, d.Config.URLs, s)
			return app.SyncOrderingPorts(d)
		},
		Extend: func(service string, e *gin.Engine, _ app.Deps) error {
			if service == "ordering" {
				e.GET("/admin/bulkheads", bs.list)
			}
			return nil
		},
	}
}
