// Package circuitbreaker is the circuit-breaker pattern: every call a service
// makes to another goes through a breaker of its own per callee (breaker.go).
// Compose it with any base whose services call each other over HTTP:
// circuit-breaker alone is rest plus breakers.
package circuitbreaker

import "github.com/microservice-patterns/lab/shared/app"

// Pattern is the circuit breaker. The gateway gets no breaker, so that a client
// always reaches ordering and learns why it fails.
var Pattern = app.RegisterPattern(app.CallsPattern("circuit-breaker",
	"a service stops calling a failing one for a while and fails fast instead (sony/gobreaker)",
	loadSettings, extend), "rest", "event-notification", "grpc")

// extend gives a service breakers of its own for its calls, one per callee.
func extend(s app.Scope, settings settings) *app.Extension {
	bs := &breakers{settings: settings, log: s.Log}
	return &app.Extension{Call: bs.guard, State: bs.state}
}
