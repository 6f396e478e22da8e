// Package eventnotification is the event notification base: thin events over
// RabbitMQ, and a consumer that needs more calls the owner back.
package eventnotification

import (
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/clients"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

// Base choreographs the services with thin events: each event carries ids
// only (messaging.Thin), and the reactions in handlers.go read the rest from
// the owner's REST API. Ordering checks a new order's customer and a new item's
// product over HTTP too, so it needs customers and the warehouse to be up.
var Base = &app.Base{
	Name:        "event-notification",
	Description: "events carry ids only; a consumer calls the owner back for the data",
	Async: &app.Async{
		Style:         messaging.Thin,
		Reactions:     reactions,
		OrderingPorts: askTheOwners,
	},
	Gateway: app.LiveEvents,
}

// askTheOwners gives ordering HTTP clients of customers and the warehouse.
func askTheOwners(p *app.Parts) (ordering.Ports, error) {
	u := p.Config.URLs
	return ordering.Ports{Customers: clients.NewCustomers(u.Customers, p.HTTPFor("customers")),
		Catalog: clients.NewWarehouse(u.Warehouse, p.HTTPFor("warehouse"))}, nil
}

func init() { app.RegisterBase(Base) }
