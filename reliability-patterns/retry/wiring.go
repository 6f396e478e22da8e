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
	counts := &counters{}
	retrier := func(callee string, next http.RoundTripper) http.RoundTripper {
		return &retrier{next: next, settings: settings, callee: callee, counts: counts,
			log: s.Log, random: rand.Float64, sleep: httpx.Sleep, now: time.Now}
	}
	return &app.Extension{Call: retrier, State: counts.state}
}
