// Package eventcarriedstatetransfer is the event-carried state transfer base:
// fat events over RabbitMQ, and consumers that keep local copies and never
// call back.
package eventcarriedstatetransfer

import (
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

// Base choreographs the services with fat events: each event carries the
// whole resource (messaging.Fat), and the reactions in handlers.go take what
// they need from it or from the local copies (Replicas) that other events
// keep. Ordering checks customers and products against its copies, so it takes
// orders while customers or the warehouse are down.
var Base = &app.Base{
	Name:        "event-carried-state-transfer",
	Description: "events carry the whole resource; consumers keep local copies and never call back",
	NoSyncCalls: true,
	Async: &app.Async{
		Style:         messaging.Fat,
		Reactions:     reactions,
		OrderingPorts: useLocalCopies,
		Replicas:      true,
	},
	Gateway: app.LiveEvents,
}

// useLocalCopies gives ordering its copies of customers and products.
func useLocalCopies(p *app.Parts) (ordering.Ports, error) {
	return ordering.Ports{Customers: p.Replicas, Catalog: p.Replicas}, nil
}

func init() { app.RegisterBase(Base) }
