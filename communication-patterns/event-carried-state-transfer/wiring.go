// Pattern: Event-carried state transfer. Each service announces its changes as
// fat events that carry the whole resource; a service that cares takes what it
// needs from the event, and keeps local copies of the data it reads often, so
// it never calls another service back. Consumers keep working while an owner
// is down, at the price of bigger messages, data held twice, and copies that
// are only eventually up to date (a product just created may be unknown to
// ordering for a few milliseconds).
// The reactions that need more than ids are app.StateTransfer (shared with
// event sourcing, whose ordering announces the same fat events); the shared
// part of the flow (app.Choreography) confirms and releases reservations and
// moves the order to SHIPPED and COMPLETED.

// Package eventcarriedstatetransfer is the event-carried state transfer base:
// fat events over RabbitMQ, and consumers that keep local copies and never
// call back.
package eventcarriedstatetransfer

import (
	"github.com/microservice-patterns/lab/shared/app"
)

// Base choreographs the services with fat events: each event carries the
// whole resource (messaging.Fat), and the reactions (app.StateTransfer) take what
// they need from it or from the local copies (Replicas) that other events
// keep. Ordering checks customers and products against its copies, so it takes
// orders while customers or the warehouse are down.
var Base = &app.Base{
	Name:        "event-carried-state-transfer",
	Description: "events carry the whole resource; consumers keep local copies and never call back",
	NoSyncCalls: true,
	Async:       app.StateTransferAsync(),
	Gateway:     app.LiveEvents,
}

func init() { app.RegisterBase(Base) }
