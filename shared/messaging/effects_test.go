package messaging_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/store"
)

// step is the data of the tests' events: the k-th event about its subject.
type step struct {
	K int `json:"k"`
}

// newStep returns the k-th test event about subject.
func newStep(tb testing.TB, typ, subject string, k int) messaging.Event {
	tb.Helper()
	ev, err := messaging.NewEvent("/test", typ, subject, step{K: k})
	must(tb, err)
	return ev
}

// effect is one row that a test handler wrote.
type effect struct {
	N       int64
	EventID string
	Subject string
	K       int
}

// recorder is a handler whose effect is a row in the effects table, written in
// the consumer's transaction.
type recorder struct {
	db    *store.DB
	n     atomic.Int64
	calls atomic.Int64
}

func (r *recorder) handle(ctx context.Context, ev messaging.Event) error {
	r.calls.Add(1)
	var s step
	if err := ev.DecodeData(&s); err != nil {
		return err
	}
	_, err := r.db.Q(ctx).ExecContext(ctx,
		r.db.Rebind(`INSERT INTO effects (n, event_id, subject, k) VALUES (?, ?, ?, ?)`),
		r.n.Add(1), ev.ID, ev.Subject, s.K)
	return err
}

// effects returns the committed effects in the order they happened.
func effects(tb testing.TB, db *store.DB) []effect {
	tb.Helper()
	rows, err := db.SQL.QueryContext(tb.Context(), `SELECT n, event_id, subject, k FROM effects ORDER BY n`)
	must(tb, err)
	defer rows.Close()
	var out []effect
	for rows.Next() {
		var e effect
		must(tb, rows.Scan(&e.N, &e.EventID, &e.Subject, &e.K))
		out = append(out, e)
	}
	must(tb, rows.Err())
	return out
}

// countEffects counts the committed effects.
func countEffects(tb testing.TB, db *store.DB) int {
	tb.Helper()
	var n int
	must(tb, db.SQL.QueryRowContext(tb.Context(), `SELECT COUNT(*) FROM effects`).Scan(&n))
	return n
}

// checkExactlyOnceInOrder checks that every subject's events 0..perSubject-1
// took effect once each, in order.
func checkExactlyOnceInOrder(tb testing.TB, got []effect, subjects []string, perSubject int) {
	tb.Helper()
	next := map[string]int{}
	for _, e := range got {
		if e.K != next[e.Subject] {
			tb.Fatalf("subject %s: got step %d, want %d (a step lost, repeated or out of order)", e.Subject, e.K,
				next[e.Subject])
		}
		next[e.Subject]++
	}
	for _, s := range subjects {
		if next[s] != perSubject {
			tb.Errorf("subject %s: got %d steps, want %d", s, next[s], perSubject)
		}
	}
	if want := len(subjects) * perSubject; len(got) != want {
		tb.Errorf("got %d effects, want %d", len(got), want)
	}
}

// subjectsOf names n subjects.
func subjectsOf(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("order-%d", i)
	}
	return out
}
