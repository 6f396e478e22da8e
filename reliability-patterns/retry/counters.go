package main

import (
	"net/http"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/gin-gonic/gin"
)

// counters count the retries of ordering's calls, per service, for /admin/retries.
type counters struct {
	mu        sync.Mutex
	byService map[string]*count
}

// count is what happened to the calls to one service.
type count struct {
	Calls     atomic.Uint64 // calls made (each counted once, however many tries)
	Retries   atomic.Uint64 // tries after the first
	Recovered atomic.Uint64 // calls that succeeded after at least one retry
	Exhausted atomic.Uint64 // calls that failed after every try the settings allow
}

func (cs *counters) of(service string) *count {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.byService == nil {
		cs.byService = map[string]*count{}
	}
	c := cs.byService[service]
	if c == nil {
		c = &count{}
		cs.byService[service] = c
	}
	return c
}

// RetryCounts is one entry of GET /admin/retries.
type RetryCounts struct {
	Service   string `json:"service"` // the service that retries
	Name      string `json:"name"`    // the service it calls
	Calls     uint64 `json:"calls"`
	Retries   uint64 `json:"retries"`
	Recovered uint64 `json:"recovered"`
	Exhausted uint64 `json:"exhausted"`
}

// list answers GET /admin/retries.
func (cs *counters) list(c *gin.Context) {
	cs.mu.Lock()
	out := []RetryCounts{}
	for name, n := range cs.byService {
		out = append(out, RetryCounts{Service: "ordering", Name: name, Calls: n.Calls.Load(),
			Retries: n.Retries.Load(), Recovered: n.Recovered.Load(), Exhausted: n.Exhausted.Load()})
	}
	cs.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	c.JSON(http.StatusOK, out)
}
