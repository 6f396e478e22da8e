package messaging

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// ErrRefused is what the broker answers a conditional delete whose condition
// does not hold: a queue with consumers (if unused), a queue with messages (if
// empty), an exchange with bindings (if unused).
var ErrRefused = errors.New("refused by the broker")

// Admin deletes and inspects broker names on one connection. The broker closes
// a channel on a refused delete or a passive declare of an absent name, so each
// operation after such an answer runs on a fresh channel.
type Admin struct {
	conn *amqp.Connection
	ch   *amqp.Channel
	stop func() bool
}

// NewAdmin connects to the broker at url; name shows in its management UI. ctx
// bounds the connection's whole life: when it ends the connection closes and
// whatever runs on it fails.
func NewAdmin(ctx context.Context, url, name string) (*Admin, error) {
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(name)
	dial := func(network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: 5 * time.Second}
		return d.DialContext(ctx, network, addr)
	}
	conn, err := amqp.DialConfig(url, amqp.Config{Properties: props, Locale: "en_US", Dial: dial})
	if err != nil {
		return nil, fmt.Errorf("connect to broker: %w", err)
	}
	return &Admin{conn: conn, stop: context.AfterFunc(ctx, func() { _ = conn.Close() })}, nil
}

// Close closes the connection.
func (a *Admin) Close() {
	a.stop()
	_ = a.conn.Close()
}

// do runs fn on the open channel, opening one first when there is none.
func (a *Admin) do(fn func(ch *amqp.Channel) error) error {
	if a.ch == nil || a.ch.IsClosed() {
		ch, err := a.conn.Channel()
		if err != nil {
			return fmt.Errorf("open channel: %w", err)
		}
		a.ch = ch
	}
	err := fn(a.ch)
	var ae *amqp.Error
	if errors.As(err, &ae) {
		a.ch = nil // a channel exception closed it
		switch ae.Code {
		case amqp.PreconditionFailed:
			return fmt.Errorf("%w: %s", ErrRefused, ae.Reason)
		case amqp.NotFound:
			return fmt.Errorf("%w: %s", errNotFound, ae.Reason)
		}
	}
	return err
}

// errNotFound is a passive declare's answer for an absent name.
var errNotFound = errors.New("not found")

// DeleteQueue deletes a queue; with ifUnused the broker refuses when the queue
// has consumers, with ifEmpty when it holds messages (ErrRefused). It answers
// how many messages went with the queue. An absent queue is no error.
func (a *Admin) DeleteQueue(name string, ifUnused, ifEmpty bool) (purged int, err error) {
	err = a.do(func(ch *amqp.Channel) error {
		purged, err = ch.QueueDelete(name, ifUnused, ifEmpty, false)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete queue %s: %w", name, err)
	}
	return purged, nil
}

// DeleteExchange deletes an exchange; with ifUnused the broker refuses when
// queues are still bound to it (ErrRefused). An absent exchange is no error.
func (a *Admin) DeleteExchange(name string, ifUnused bool) error {
	if err := a.do(func(ch *amqp.Channel) error { return ch.ExchangeDelete(name, ifUnused, false) }); err != nil {
		return fmt.Errorf("delete exchange %s: %w", name, err)
	}
	return nil
}

// Queue answers whether a queue exists, and its messages and consumers.
func (a *Admin) Queue(name string) (exists bool, messages, consumers int, err error) {
	err = a.do(func(ch *amqp.Channel) error {
		q, err := ch.QueueDeclarePassive(name, false, false, false, false, nil)
		messages, consumers = q.Messages, q.Consumers
		return err
	})
	if errors.Is(err, errNotFound) {
		return false, 0, 0, nil
	}
	return err == nil, messages, consumers, err
}

// Exchange answers whether an exchange exists.
func (a *Admin) Exchange(name string) (bool, error) {
	err := a.do(func(ch *amqp.Channel) error {
		return ch.ExchangeDeclarePassive(name, amqp.ExchangeTopic, false, false, false, false, nil)
	})
	if errors.Is(err, errNotFound) {
		return false, nil
	}
	return err == nil, err
}

// KeptQueue is a dead-letter queue that a teardown kept because it holds
// messages: they are evidence of what failed.
type KeptQueue struct {
	Name     string
	Messages int
}

// TeardownRun deletes the names of n: each service's queue, its dead-letter
// queue and exchange, and the events exchange. With keepDeadLetters a
// dead-letter queue that holds messages is kept, with its exchange, and
// returned. ctx bounds the teardown: a run whose context was cancelled
// (Ctrl-C) passes a fresh one. Names that do not exist are no error.
func TeardownRun(ctx context.Context, url string, n Names, services []string, keepDeadLetters bool) ([]KeptQueue, error) {
	a, err := NewAdmin(ctx, url, n.connectionName("teardown"))
	if err != nil {
		return nil, err
	}
	defer a.Close()
	var kept []KeptQueue
	var errs []error
	for _, s := range services {
		if _, err := a.DeleteQueue(n.Queue(s), false, false); err != nil {
			errs = append(errs, err)
		}
		dlq := n.DeadLetterQueue(s)
		_, err := a.DeleteQueue(dlq, false, keepDeadLetters)
		if errors.Is(err, ErrRefused) {
			_, messages, _, ierr := a.Queue(dlq)
			if ierr != nil {
				errs = append(errs, ierr)
			}
			kept = append(kept, KeptQueue{Name: dlq, Messages: messages})
			continue
		}
		if err != nil {
			errs = append(errs, err)
		}
		if err := a.DeleteExchange(n.DeadLetterExchange(s), false); err != nil {
			errs = append(errs, err)
		}
	}
	if err := a.DeleteExchange(n.Exchange(), false); err != nil {
		errs = append(errs, err)
	}
	return kept, errors.Join(errs...)
}

// Existing answers which names of n are still on the broker: the events
// exchange and each service's queue, dead-letter queue and exchange. A test
// asserts with it that a finished run left nothing behind.
func Existing(ctx context.Context, url string, n Names, services ...string) ([]string, error) {
	a, err := NewAdmin(ctx, url, n.connectionName("check"))
	if err != nil {
		return nil, err
	}
	defer a.Close()
	var left []string
	check := func(name string, exists bool, err error) error {
		if exists {
			left = append(left, name)
		}
		return err
	}
	ok, err := a.Exchange(n.Exchange())
	if err := check(n.Exchange(), ok, err); err != nil {
		return left, err
	}
	for _, s := range services {
		for _, q := range []string{n.Queue(s), n.DeadLetterQueue(s)} {
			ok, _, _, err := a.Queue(q)
			if err := check(q, ok, err); err != nil {
				return left, err
			}
		}
		ok, err := a.Exchange(n.DeadLetterExchange(s))
		if err := check(n.DeadLetterExchange(s), ok, err); err != nil {
			return left, err
		}
	}
	return left, nil
}
