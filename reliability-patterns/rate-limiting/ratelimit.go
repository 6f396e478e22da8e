// Rate limiting: the gateway gives each client a token bucket
// (golang.org/x/time/rate). A client may send Burst requests at once and Rate
// per second on average; past that it gets a 429 problem with Retry-After, at
// once and before any service does work for it. One greedy or broken client
// then cannot take the services' capacity from every other client.

package main

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// APIKeyHeader names a client; a request without it is known by its IP address.
const APIKeyHeader = "X-API-Key"

// limiter holds a token bucket per client, and forgets the clients it has not
// seen for a while, so that its memory stays bounded whoever calls.
type limiter struct {
	settings config.RateLimit
	now      func() time.Time

	mu        sync.Mutex
	clients   map[string]*client
	lastSweep time.Time
}

// client is the bucket of one client and when it was last seen.
type client struct {
	bucket *rate.Limiter
	seen   time.Time
}

func newLimiter(s config.RateLimit, now func() time.Time) *limiter {
	return &limiter{settings: s, now: now, clients: map[string]*client{}, lastSweep: now()}
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
		bucket := l.bucket(clientKey(c), now)
		allowed := bucket.AllowN(now, 1)
		tokens := bucket.TokensAt(now)
		l.describe(c, tokens)
		if !allowed {
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

// clientKey names the client: its API key, or else the address it connects
// from (never a forwarded-for header, which a client could make up).
func clientKey(c *gin.Context) string {
	if key := c.GetHeader(APIKeyHeader); key != "" && len(key) <= 128 {
		return "key " + key
	}
	return "ip " + c.RemoteIP()
}

// bucket returns the client's bucket, making one for a client it does not know.
func (l *limiter) bucket(key string, now time.Time) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= l.settings.Idle {
		l.sweep(now)
	}
	cl := l.clients[key]
	if cl == nil {
		if len(l.clients) >= l.settings.MaxClients {
			l.forgetOldest()
		}
		cl = &client{bucket: rate.NewLimiter(rate.Limit(l.settings.Rate), l.settings.Burst)}
		l.clients[key] = cl
	}
	cl.seen = now
	return cl.bucket
}

// sweep forgets the clients idle for longer than Idle. Their buckets are full
// again by then (the settings make sure of it), so forgetting them loses nothing.
func (l *limiter) sweep(now time.Time) {
	for key, cl := range l.clients {
		if now.Sub(cl.seen) > l.settings.Idle {
			delete(l.clients, key)
		}
	}
	l.lastSweep = now
}

// forgetOldest makes room when MaxClients are remembered: the least recently
// seen client goes, and gets a full bucket if it comes back.
func (l *limiter) forgetOldest() {
	var oldest string
	for key, cl := range l.clients {
		if oldest == "" || cl.seen.Before(l.clients[oldest].seen) {
			oldest = key
		}
	}
	delete(l.clients, oldest)
}

// size is how many clients the limiter remembers.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// seconds rounds d up to whole seconds, at least 1: the unit of Retry-After.
func seconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
