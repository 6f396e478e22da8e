package messaging

import (
	"context"
	"fmt"
	"log/slog"

	amqp "github.com/rabbitmq/amqp091-go"
)

// TapBuffer is how many events a Tap holds for a reader that falls behind.
const TapBuffer = 256

// Tap streams every event of the variant of names as it goes by, for a live
// view such as the gateway's Server-Sent Events. It binds an exclusive,
// auto-deleted, server-named queue to every routing key ("#"), so it sees each
// published event once, whoever consumes it, and takes nothing from the
// services' queues.
//
// The first connection is made before Tap returns: an error means the broker
// cannot be reached. After that the tap reconnects by itself; events published
// while it is away are not seen. A reader more than TapBuffer events behind
// loses the newest: a live view must never hold up the broker. The channel is
// closed when ctx ends.
func Tap(ctx context.Context, url string, names Names) (<-chan Event, error) {
	first, err := openTapSession(url, names)
	if err != nil {
		return nil, err
	}
	out := make(chan Event, TapBuffer)
	open := func() (*session, error) {
		if s := first; s != nil {
			first = nil
			return s, nil
		}
		return openTapSession(url, names)
	}
	log := slog.Default().With("component", "tap", "exchange", names.Exchange())
	go func() {
		defer close(out)
		keepSession(ctx, open, defaultReconnect, log, func(ctx context.Context, s *session) error {
			return forwardTap(ctx, s, out)
		})
	}()
	return out, nil
}

// openTapSession connects and subscribes a fresh tap queue.
func openTapSession(url string, names Names) (*session, error) {
	s, err := openSession(url, names.connectionName("tap"))
	if err != nil {
		return nil, err
	}
	if err := subscribeTap(s, names); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func subscribeTap(s *session, names Names) error {
	if err := declareExchange(s.ch, names); err != nil {
		return err
	}
	q, err := s.ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		return fmt.Errorf("declare tap queue: %w", err)
	}
	if err := s.ch.QueueBind(q.Name, "#", names.Exchange(), false, nil); err != nil {
		return fmt.Errorf("bind tap queue: %w", err)
	}
	s.deliveries, err = s.ch.Consume(q.Name, "", true, true, false, false, nil)
	if err != nil {
		return fmt.Errorf("consume tap queue: %w", err)
	}
	return nil
}

// forwardTap passes the session's events on until ctx ends or the session
// closes; what does not parse as an event is skipped.
func forwardTap(ctx context.Context, s *session, out chan<- Event) error {
	for {
		var d amqp.Delivery
		var ok bool
		select {
		case <-ctx.Done():
			return ctx.Err()
		case d, ok = <-s.deliveries:
			if !ok {
				return errSessionClosed
			}
		}
		ev, err := ParseEvent(d.Body)
		if err != nil {
			continue
		}
		select {
		case out <- ev:
		default: // the reader is behind: drop rather than block the broker
		}
	}
}
