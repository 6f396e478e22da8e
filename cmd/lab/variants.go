package main

// The variants linked into the lab: every base (communication-patterns) and
// every pattern registers itself with shared/app. A new pattern adds its line
// here, and nowhere else; a new base adds its line to communication-patterns/bases.go.
import (
	_ "github.com/microservice-patterns/lab/communication-patterns"
	_ "github.com/microservice-patterns/lab/observability-patterns/logging"
	_ "github.com/microservice-patterns/lab/observability-patterns/metrics"
	_ "github.com/microservice-patterns/lab/observability-patterns/tracing"
	_ "github.com/microservice-patterns/lab/reliability-patterns/bulkhead"
	_ "github.com/microservice-patterns/lab/reliability-patterns/circuit-breaker"
	_ "github.com/microservice-patterns/lab/reliability-patterns/rate-limiting"
	_ "github.com/microservice-patterns/lab/reliability-patterns/retry"
	_ "github.com/microservice-patterns/lab/reliability-patterns/timeout"
	_ "github.com/microservice-patterns/lab/security-patterns/client-credentials"
	_ "github.com/microservice-patterns/lab/security-patterns/token-exchange"
	_ "github.com/microservice-patterns/lab/security-patterns/token-relay"
)
