package retry

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/microservice-patterns/lab/shared/app"
)

// counters count the retries of one service's calls, per callee.
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

// state reports the counts of the calls to each callee.
func (cs *counters) state() app.Table {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	t := app.Table{Columns: []string{"callee", "calls", "retries", "recovered", "exhausted"}, Rows: [][]any{}}
	for _, name := range slices.Sorted(maps.Keys(cs.byService)) {
		n := cs.byService[name]
		t.Rows = append(t.Rows, []any{name, n.Calls.Load(), n.Retries.Load(), n.Recovered.Load(), n.Exhausted.Load()})
	}
	return t
}
