// Package timeout is the timeout pattern: every call a service makes to
// another has a deadline, and every request a budget for all its calls
// (timeout.go). Compose it with any base whose services call each other over
// HTTP: timeout alone is rest plus deadlines.
package timeout

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/app"
)

// Pattern is the timeout. The gateway keeps its own upstream timeout.
var Pattern = app.RegisterPattern(app.CallsPattern("timeout",
	"a deadline per call and a budget per request: a slow service becomes a fast 504",
	loadSettings, extend), "rest", "event-notification")

// extend gives a service a budget for every request it serves and a deadline
// for every call it makes.
func extend(_ app.Scope, settings settings) *app.Extension {
	var cs app.PerCallee[*count]
	deadline := func(callee string, next http.RoundTripper) http.RoundTripper {
		return deadlines{next: next, call: settings.Call, count: cs.Of(callee, func() *count { return &count{} })}
	}
	// state reports, per callee, the deadline and budget in force and how many calls they cut short.
	state := func() app.Table {
		return cs.Table([]string{"deadlineMs", "budgetMs", "calls", "timedOut"}, func(c *count) []any {
			return []any{settings.Call.Milliseconds(), settings.Request.Milliseconds(), c.calls.Load(), c.timedOut.Load()}
		})
	}
	return &app.Extension{Inbound: []gin.HandlerFunc{budget(settings.Request)}, Call: deadline, State: state}
}
