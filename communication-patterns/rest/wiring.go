// Package rest is the baseline communication base: ordering orchestrates the
// flow by calling the warehouse, shipping and billing over HTTP, and shipping
// and billing read what they need from ordering and customers over HTTP.
// Every other variant is compared with it.
package rest

import "github.com/microservice-patterns/lab/shared/app"

// Base is synchronous REST, with the defaults of shared/app throughout.
var Base = &app.Base{
	Name:          "rest",
	Description:   "synchronous REST calls between the services: the baseline every other variant is compared with",
	OrderingPorts: app.SyncOrderingPorts,
}

func init() { app.RegisterBase(Base) }
