package messaging

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Backoff says how long to wait between attempts: Min first, then twice as long
// each time up to Max, with a little jitter so that processes do not retry in step.
type Backoff struct {
	Min, Max time.Duration
}

// orDefault fills the zero fields of b from def.
func (b Backoff) orDefault(def Backoff) Backoff {
	if b.Min <= 0 {
		b.Min = def.Min
	}
	if b.Max < b.Min {
		b.Max = max(def.Max, b.Min)
	}
	return b
}

// delay is the wait before attempt n+1 (n counts from 0).
func (b Backoff) delay(n int) time.Duration {
	d := b.Min
	for i := 0; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return time.Duration(float64(d) * (0.85 + 0.3*rand.Float64()))
}

// defaultReconnect is how Relay, Consumer and Tap wait between connection attempts.
var defaultReconnect = Backoff{Min: 100 * time.Millisecond, Max: 2 * time.Second}

// errSessionClosed ends a session whose channel or connection has closed.
var errSessionClosed = errors.New("broker channel closed")

// session is one connection with the one channel a process uses on it.
type session struct {
	conn   *amqp.Connection
	ch     *amqp.Channel
	closed chan *amqp.Error // receives when the channel or its connection closes
	// deliveries is the subscription of a tap session.
	deliveries <-chan amqp.Delivery
}

// openSession connects to url; name shows in the broker's management UI.
func openSession(url, name string) (*session, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(name)
	conn, err := amqp.DialConfig(url, amqp.Config{
		Properties: props, Locale: "en_US", Heartbeat: 10 * time.Second, Dial: amqp.DefaultDial(5 * time.Second),
	})
	if err != nil {
		return nil, fmt.Errorf("connect to broker: %w", err)
	}
	ch, err := conn.Channel()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("open channel: %w", err)
	}
	return &session{conn: conn, ch: ch, closed: ch.NotifyClose(make(chan *amqp.Error, 1))}, nil
}

// close closes the connection, and with it the channel; it is safe to repeat.
func (s *session) close() { _ = s.conn.Close() }

// keepSession runs work on one broker session after another until ctx ends. When
// a session cannot be opened, or ends, the next one follows after a backoff
// delay, which starts again from b.Min once a session has lasted a while. work
// must return when ctx ends or s.closed receives.
func keepSession(ctx context.Context, open func() (*session, error), b Backoff, log *slog.Logger,
	work func(ctx context.Context, s *session) error) {
	attempt := 0
	for ctx.Err() == nil {
		lasted, err := runSession(ctx, open, work)
		if ctx.Err() != nil {
			return
		}
		// Only a session that worked for a while starts the count again: a
		// login the broker takes seconds to refuse is the same failure again.
		if lasted > b.Max {
			attempt = 0
		}
		wait := b.delay(attempt)
		// The first failure is news; the same failure every Max is noise.
		level := slog.LevelDebug
		if attempt%10 == 0 {
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "broker session ended; reconnecting", "err", err, "attempt", attempt+1,
			"retry_in", wait.Round(time.Millisecond))
		attempt++
		if !sleep(ctx, wait) {
			return
		}
	}
}

// runSession opens a session and runs work on it; it answers how long the
// session lasted once open (0 when it could not be opened).
func runSession(ctx context.Context, open func() (*session, error), work func(context.Context, *session) error) (time.Duration, error) {
	s, err := open()
	if err != nil {
		return 0, err
	}
	defer s.close()
	opened := time.Now()
	err = work(ctx, s)
	return time.Since(opened), err
}

// sleep waits d or until ctx ends; it reports whether the full time passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// closedErr turns what a NotifyClose channel gave into an error.
func closedErr(e *amqp.Error) error {
	if e == nil {
		return errSessionClosed
	}
	return fmt.Errorf("%w: %v", errSessionClosed, e)
}

// orDefault returns l, or the default logger when l is nil.
func orDefault(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}
