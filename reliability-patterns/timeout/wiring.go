// Package timeout is the timeout pattern: every call a service makes to
// another has a deadline, and every request a budget for all its calls
// (timeout.go). Compose it with any base whose services call each other over
// HTTP: timeout alone is rest plus deadlines.
package timeout

import (
	"net/http"
	"sync"

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
	cs := &counts{settings: settings}
	deadline := func(callee string, next http.RoundTripper) http.RoundTripper {
		return deadlines{next: next, call: settings.Call, count: cs.add(callee)}
	}
	return &app.Extension{Inbound: []gin.HandlerFunc{budget(settings.Request)}, Call: deadline, State: cs.state}
}

// counts are the counts of one service's calls, per callee.
type counts struct {
	settings settings
	mu       sync.Mutex
	all      []*count
}

func (cs *counts) add(callee string) *count {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c := &count{callee: callee}
	cs.all = append(cs.all, c)
	return c
}

// state reports, per callee, the deadline and budget in force and how many calls they cut short.
func (cs *counts) state() app.Table {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	t := app.Table{Columns: []string{"callee", "deadlineMs", "budgetMs", "calls", "timedOut"}, Rows: [][]any{}}
	for _, c := range cs.all {
		t.Rows = append(t.Rows, []any{c.callee, cs.settings.Call.Milliseconds(), cs.settings.Request.Milliseconds(),
			c.calls.Load(), c.timedOut.Load()})
	}
	return t
}
