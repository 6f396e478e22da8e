// Package circuitbreaker is the circuit-breaker pattern: every call a service
// makes to another goes through a breaker of its own per callee (breaker.go).
// Compose it with any base whose services call each other over HTTP:
// circuit-breaker alone is rest plus breakers.
package circuitbreaker

import (
	"github.com/microservice-patterns/lab/shared/app"
)

// Pattern is the circuit breaker, as the lab's catalogue lists it.
var Pattern = &app.Pattern{
	Name:        "circuit-breaker",
	Category:    "reliability",
	Description: "a service stops calling a failing one for a while and fails fast instead (sony/gobreaker)",
	Fits:        app.FitsSyncCalls,
	Extend:      extend,
}

func init() { app.RegisterPattern(Pattern, "rest", "event-notification") }

// extend gives each service breakers of its own for its calls; the gateway
// gets none, so that a client always reaches ordering and learns why it fails.
func extend(s app.Scope) (*app.Extension, error) {
	if s.Service == "gateway" {
		return nil, nil
	}
	settings, err := loadSettings(s.Env)
	if err != nil {
		return nil, err
	}
	bs := &breakers{settings: settings, log: s.Log}
	return &app.Extension{Call: bs.guard, State: bs.state}, nil
}
