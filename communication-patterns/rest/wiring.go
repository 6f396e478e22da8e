package main

import "github.com/microservice-patterns/lab/shared/app"

// variant wires every service with the synchronous defaults: ordering orchestrates
// the flow by calling the warehouse, shipping and billing over HTTP, and shipping
// and billing read what they need from ordering and customers over HTTP.
var variant = app.Variant{
	Name:          "rest",
	OrderingPorts: app.SyncOrderingPorts,
}
