package app_test

import (
	"reflect"
	"testing"

	"github.com/microservice-patterns/lab/shared/app"
)

// TestPerCallee: what a pattern keeps per callee is made once per callee and
// reported a row a callee, in the order they were first called, the callee's
// name first.
func TestPerCallee(t *testing.T) {
	var p app.PerCallee[*int]
	made := 0
	next := func() *int { made++; n := made * 10; return &n }
	w := p.Of("warehouse", next)
	if again := p.Of("warehouse", next); again != w {
		t.Errorf("a second Of of the warehouse made another: %p, want %p", again, w)
	}
	p.Of("billing", next)
	*w = 7
	got := p.Table([]string{"count"}, func(n *int) []any { return []any{*n} })
	want := app.Table{Columns: []string{"callee", "count"}, Rows: [][]any{{"warehouse", 7}, {"billing", 20}}}
	if !reflect.DeepEqual(got, want) || made != 2 {
		t.Errorf("got %+v after %d made, want %+v after 2", got, made, want)
	}
	var none app.PerCallee[*int]
	if rows := none.Table(nil, nil).Rows; rows == nil || len(rows) != 0 {
		t.Errorf("no callee: rows %#v, want an empty list (JSON [], not null)", rows)
	}
}
