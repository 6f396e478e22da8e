// Package retry is the retry pattern: every call a service makes to another
// is retried when it fails for a reason that may pass (retry.go). Compose it
// with any base whose services call each other over HTTP: retry alone is rest
// plus retries.
package retry

import (
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// Pattern is the retry. The gateway retries nothing, so that a client's own
// request is never sent twice behind its back.
var Pattern = app.RegisterPattern(app.CallsPattern("retry",
	"transient failures retried with exponential backoff and full jitter, within a budget",
	loadSettings, extend), "rest", "event-notification", "grpc")

// extend gives a service's calls retries, counted per callee.
func extend(s app.Scope, settings settings) *app.Extension {
	var counts app.PerCallee[*count]
	retrier := func(callee string, next http.RoundTripper) http.RoundTripper {
		return &retrier{next: next, settings: settings, callee: callee, count: counts.Of(callee, newCount),
			log: s.Log, random: rand.Float64, sleep: httpx.Sleep, now: time.Now}
	}
	// state reports the counts of the calls to each callee.
	state := func() app.Table {
		return counts.Table([]string{"calls", "retries", "recovered", "exhausted"}, func(n *count) []any {
			return []any{n.Calls.Load(), n.Retries.Load(), n.Recovered.Load(), n.Exhausted.Load()}
		})
	}
	return &app.Extension{Call: retrier, State: state}
}
