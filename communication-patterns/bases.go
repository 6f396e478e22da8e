// Package communicationpatterns links every communication base into a binary
// or a test: each base registers itself with shared/app. A new base adds its
// line here, and nowhere else.
package communicationpatterns

import (
	_ "github.com/microservice-patterns/lab/communication-patterns/cqrs"
	_ "github.com/microservice-patterns/lab/communication-patterns/event-carried-state-transfer"
	_ "github.com/microservice-patterns/lab/communication-patterns/event-notification"
	_ "github.com/microservice-patterns/lab/communication-patterns/event-sourcing"
	_ "github.com/microservice-patterns/lab/communication-patterns/grpc"
	_ "github.com/microservice-patterns/lab/communication-patterns/messaging"
	_ "github.com/microservice-patterns/lab/communication-patterns/rest"
)
