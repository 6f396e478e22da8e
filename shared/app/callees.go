package app

import "sync"

// PerCallee keeps what a pattern holds for each callee of one service (a
// breaker, a compartment, counters), made by the pattern's Call wrapper, and
// reports it as the pattern's state: one row a callee, in the order they were
// first called.
type PerCallee[T any] struct {
	mu     sync.Mutex
	names  []string
	byName map[string]T
}

// Of returns what is kept for callee, made by newT the first time.
func (p *PerCallee[T]) Of(callee string, newT func() T) T {
	p.mu.Lock()
	defer p.mu.Unlock()
	if v, ok := p.byName[callee]; ok {
		return v
	}
	if p.byName == nil {
		p.byName = map[string]T{}
	}
	v := newT()
	p.byName[callee] = v
	p.names = append(p.names, callee)
	return v
}

// Table reports every callee: its name in the first column, "callee", then
// the cells row gives for the columns named.
func (p *PerCallee[T]) Table(columns []string, row func(T) []any) Table {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := Table{Columns: append([]string{"callee"}, columns...), Rows: [][]any{}}
	for _, name := range p.names {
		t.Rows = append(t.Rows, append([]any{name}, row(p.byName[name])...))
	}
	return t
}
