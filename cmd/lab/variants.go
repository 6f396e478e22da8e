package main

// The variants linked into the lab: each base and pattern registers itself
// with shared/app. A new base or pattern adds its line here, and nowhere else.
import (
	_ "github.com/microservice-patterns/lab/communication-patterns/event-carried-state-transfer"
	_ "github.com/microservice-patterns/lab/communication-patterns/event-notification"
	_ "github.com/microservice-patterns/lab/communication-patterns/rest"
	_ "github.com/microservice-patterns/lab/reliability-patterns/bulkhead"
	_ "github.com/microservice-patterns/lab/reliability-patterns/circuit-breaker"
	_ "github.com/microservice-patterns/lab/reliability-patterns/rate-limiting"
	_ "github.com/microservice-patterns/lab/reliability-patterns/retry"
	_ "github.com/microservice-patterns/lab/reliability-patterns/timeout"
)
