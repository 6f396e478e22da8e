// Rate limiting: the gateway gives each client a token bucket
// (golang.org/x/time/rate). A client may send Burst requests at once and Rate
// per second on average; past that it gets a 429 problem with Retry-After, at
// once and before any service does work for it. One greedy or broken client
// then cannot take the services' capacity from every other client.

package ratelimiting

import (
	"container/list"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// APIKeyHeader names a client, when it holds one of the configured keys
// (RATE_LIMIT_API_KEYS). Any other request, with no key or a key the limiter
// does not know, is known by the address it connects from: made-up keys buy no
// extra buckets.
const APIKeyHeader = "X-API-Key"

// limiter holds a token bucket per client, and forgets the clients it has not
// seen for a while, so that its memory stays bounded whoever calls. The clients
// are kept in the order they were last seen (an LRU list), so that both the
// idle ones and, when MaxClients are remembered, the least recent one are found
// at the back without a scan.
type limiter struct {
	settings settings
	keys     map[string]bool // the configured API keys
	now      func() time.Time

	mu      sync.Mutex
	clients map[string]*list.Element // of *client
	recent  *list.List               // the clients, the most recently seen in front
}

// client is the bucket of one client, when it was last seen, and how many of
// its requests were refused.
type client struct {
	key     string
	bucket  *rate.Limiter
	seen    time.Time
	limited uint64 // guarded by the limiter's mu
}

func newLimiter(s settings, now func() time.Time) *limiter {
	keys := map[string]bool{}
	for _, k := range s.APIKeys {
		keys[k] = true
	}
	return &limiter{settings: s, keys: keys, now: now, clients: map[string]*list.Element{}, recent: list.New()}
}

// middleware answers 429 to a client over its limit, and tells every client of
// the business API its limit in RateLimit headers. The lab's own endpoints
// (/api/lab/) stay unlimited: faults can always be switched off.
func (l *limiter) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		path := c.Request.URL.Path
		if !strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/api/lab/") {
			c.Next()
			return
		}
		now := l.now()
		key := l.clientKey(c)
		bucket := l.bucket(key, now)
		allowed := bucket.AllowN(now, 1)
		tokens := bucket.TokensAt(now)
		l.describe(c, tokens)
		if !allowed {
			l.refused(key)
			wait := time.Duration((1 - tokens) / l.settings.Rate * float64(time.Second))
			c.Header("Retry-After", strconv.Itoa(seconds(wait)))
			httpx.WriteProblem(c, httpx.NewProblem(http.StatusTooManyRequests, fmt.Sprintf(
				"too many requests: %g per second and %d at once are allowed; retry in %s", l.settings.Rate, l.settings.Burst, wait.Round(time.Millisecond))))
			return
		}
		c.Next()
	}
}

// describe sets the RateLimit headers (draft-ietf-httpapi-ratelimit-headers-06):
// the bucket's size, the requests left in it, the seconds until it is full
// again, and the policy: Burst requests per the time a bucket takes to fill.
func (l *limiter) describe(c *gin.Context, tokens float64) {
	s := l.settings
	refill := func(n float64) int { return int(math.Ceil(n / s.Rate)) }
	c.Header("RateLimit-Limit", strconv.Itoa(s.Burst))
	c.Header("RateLimit-Remaining", strconv.Itoa(int(math.Max(0, math.Floor(tokens)))))
	c.Header("RateLimit-Reset", strconv.Itoa(refill(float64(s.Burst)-tokens)))
	c.Header("RateLimit-Policy", fmt.Sprintf("%d;w=%d", s.Burst, refill(float64(s.Burst))))
}

// clientKey names the client: its API key when it is a configured one, or else
// the address it connects from (never a forwarded-for header, which a client
// could make up).
func (l *limiter) clientKey(c *gin.Context) string {
	if key := c.GetHeader(APIKeyHeader); key != "" && l.keys[key] {
		return "key " + key
	}
	return "ip " + c.RemoteIP()
}

// bucket returns the client's bucket, making one for a client it does not know.
// It costs O(1), plus the idle clients it forgets on the way.
func (l *limiter) bucket(key string, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forgetIdle(now)
	if e := l.clients[key]; e != nil {
		cl := e.Value.(*client)
		if now.After(cl.seen) {
			cl.seen = now
		}
		l.recent.MoveToFront(e)
		return cl.bucket
	}
	if l.recent.Len() >= l.settings.MaxClients {
		l.forget(l.recent.Back()) // the least recently seen goes, and gets a full bucket if it comes back
	}
	cl := &client{key: key, bucket: rate.NewLimiter(rate.Limit(l.settings.Rate), l.settings.Burst), seen: now}
	l.clients[key] = l.recent.PushFront(cl)
	return cl.bucket
}

// forgetIdle forgets the clients idle for longer than Idle, from the back of
// the list. Their buckets are full again by then (the settings make sure of
// it), so forgetting them loses nothing.
func (l *limiter) forgetIdle(now time.Time) {
	for e := l.recent.Back(); e != nil && now.Sub(e.Value.(*client).seen) > l.settings.Idle; e = l.recent.Back() {
		l.forget(e)
	}
}

func (l *limiter) forget(e *list.Element) {
	delete(l.clients, e.Value.(*client).key)
	l.recent.Remove(e)
}

// refused counts a refused request of the client.
func (l *limiter) refused(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.clients[key]; e != nil {
		e.Value.(*client).limited++
	}
}

// shown is how many clients the state shows: the most recently seen.
const shown = 20

// state reports the most recently seen clients: the tokens left in each one's
// bucket, and how many of its requests were refused.
func (l *limiter) state() app.Table {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	t := app.Table{Columns: []string{"client", "tokens", "burst", "ratePerSecond", "limited"}, Rows: [][]any{}}
	for e := l.recent.Front(); e != nil && len(t.Rows) < shown; e = e.Next() {
		cl := e.Value.(*client)
		t.Rows = append(t.Rows, []any{cl.key, math.Floor(cl.bucket.TokensAt(now)*10) / 10, l.settings.Burst, l.settings.Rate, cl.limited})
	}
	return t
}

// size is how many clients the limiter remembers.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.recent.Len()
}

// seconds rounds d up to whole seconds, at least 1: the unit of Retry-After.
func seconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
