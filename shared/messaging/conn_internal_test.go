package messaging

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/testenv"
)

// TestKeepSession_countsSlowRefusals: a broker that takes longer than the
// backoff's maximum to refuse a login (RabbitMQ does, for wrong credentials) is
// failing again, not after a session that worked: the attempts go on counting.
func TestKeepSession_countsSlowRefusals(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := testenv.NewLogs()
	opens := 0
	open := func() (*session, error) {
		opens++
		if opens == 4 {
			cancel()
		}
		time.Sleep(20 * time.Millisecond) // longer than Max
		return nil, errors.New("username or password not allowed")
	}
	keepSession(ctx, open, Backoff{Min: time.Millisecond, Max: 5 * time.Millisecond}, slog.New(logs),
		func(context.Context, *session) error { return nil })
	var got []int64
	for _, r := range logs.Records() {
		if a, ok := r.Attr("attempt"); ok {
			got = append(got, a.Int64())
		}
	}
	if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Errorf("attempts logged: %v, want [1 2 3]", got)
	}
}
