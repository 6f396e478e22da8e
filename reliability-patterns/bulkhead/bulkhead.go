// Bulkhead: ordering may have only so many calls in flight to each other service
// at once, each service in a compartment of its own. When shipping is slow, the
// confirmations waiting for it fill shipping's compartment and the next ones fail
// fast with a 503, instead of piling up until they hold every worker, connection
// and goroutine that the reservations at the warehouse need too.

package main

import (
	"net/http"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/domain"
)

// compartment bounds the calls in flight to one service.
type compartment struct {
	name     string
	slots    chan struct{} // one token per call in flight
	rejected atomic.Uint64
}

// call sends r through next when the compartment has a free slot, and otherwise
// fails at once: waiting for a slot would be queueing behind the slow calls.
func (c *compartment) call(next http.RoundTripper, r *http.Request) (*http.Response, error) {
	select {
	case c.slots <- struct{}{}:
	default:
		if r.Body != nil {
			r.Body.Close() // a RoundTripper closes the body, even when it sends nothing
		}
		c.rejected.Add(1)
		return nil, domain.Errorf(domain.CodeUnavailable, "bulkhead for %s is full: %d calls are in flight, the call was not made", c.name, cap(c.slots))
	}
	// The slot is freed when the answer's head has come: the wait for a slow
	// service is over then, and the body that follows is short.
	defer func() { <-c.slots }()
	return next.RoundTrip(r)
}

// partition is the transport of ordering's calls: each call goes through the
// compartment of the service it goes to.
type partition struct {
	next   http.RoundTripper
	byHost map[string]*compartment
}

func (p partition) RoundTrip(r *http.Request) (*http.Response, error) {
	if c := p.byHost[r.URL.Host]; c != nil {
		return c.call(p.next, r)
	}
	return p.next.RoundTrip(r)
}

// bulkheads are the compartments of one ordering service, for /admin/bulkheads.
type bulkheads struct {
	mu  sync.Mutex
	all []*compartment
}

// partition returns hc with a compartment for the calls to each service sized in s.
func (bs *bulkheads) partition(next http.RoundTripper, urls config.URLs, s config.Bulkhead) http.RoundTripper {
	p := partition{next: next, byHost: map[string]*compartment{}}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for host, name := range urls.Hosts() {
		if size, ok := s[name]; ok {
			c := &compartment{name: name, slots: make(chan struct{}, size)}
			p.byHost[host] = c
			bs.all = append(bs.all, c)
		}
	}
	sort.Slice(bs.all, func(i, j int) bool { return bs.all[i].name < bs.all[j].name })
	return p
}

// BulkheadState is one entry of GET /admin/bulkheads.
type BulkheadState struct {
	Service  string `json:"service"` // the service that calls
	Name     string `json:"name"`    // the service it calls
	Limit    int    `json:"limit"`
	InFlight int    `json:"inFlight"`
	Rejected uint64 `json:"rejected"` // calls failed fast since the start
}

// list answers GET /admin/bulkheads.
func (bs *bulkheads) list(c *gin.Context) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	out := []BulkheadState{}
	for _, b := range bs.all {
		out = append(out, BulkheadState{Service: "ordering", Name: b.name, Limit: cap(b.slots), InFlight: len(b.slots), Rejected: b.rejected.Load()})
	}
	c.JSON(http.StatusOK, out)
}
