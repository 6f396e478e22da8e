// Package bulkhead is the bulkhead pattern: a service may have only so many
// calls in flight to each other service (bulkhead.go). Compose it with any
// base whose services call each other over HTTP: bulkhead alone is rest plus
// bulkheads.
package bulkhead

import "github.com/microservice-patterns/lab/shared/app"

// Pattern is the bulkhead. The gateway gets none: it bounds its clients with
// its own upstream timeout.
var Pattern = app.RegisterPattern(app.CallsPattern("bulkhead",
	"a bounded pool of concurrent calls per downstream service; excess fails fast",
	loadSettings, extend), "rest", "event-notification")

// extend gives a service a compartment per callee.
func extend(_ app.Scope, sizes settings) *app.Extension {
	cs := &compartments{sizes: sizes}
	return &app.Extension{Call: cs.partition, State: cs.state}
}
