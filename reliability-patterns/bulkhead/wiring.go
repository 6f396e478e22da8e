// Package bulkhead is the bulkhead pattern: a service may have only so many
// calls in flight to each other service (bulkhead.go). Compose it with any
// base whose services call each other over HTTP: bulkhead alone is rest plus
// bulkheads.
package bulkhead

import "github.com/microservice-patterns/lab/shared/app"

// Pattern is the bulkhead, as the lab's catalogue lists it.
var Pattern = &app.Pattern{
	Name:        "bulkhead",
	Category:    "reliability",
	Description: "a bounded pool of concurrent calls per downstream service; excess fails fast",
	Fits:        app.FitsSyncCalls,
	Extend:      extend,
}

func init() { app.RegisterPattern(Pattern, "rest", "event-notification") }

// extend gives each service a compartment per callee; the gateway gets none.
func extend(s app.Scope) (*app.Extension, error) {
	if s.Service == "gateway" {
		return nil, nil
	}
	sizes, err := loadSettings(s.Env)
	if err != nil {
		return nil, err
	}
	cs := &compartments{sizes: sizes}
	return &app.Extension{Call: cs.partition, State: cs.state}, nil
}
