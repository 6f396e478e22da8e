package messaging

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.opentelemetry.io/otel/codes"

	"github.com/microservice-patterns/lab/shared/store"
)

// Handler handles one event. Its ctx carries the consumer's database
// transaction (store.DB.InTx) and the event's trace context; an effect written
// through the service's store with that ctx commits together with the inbox
// record. Return Retryable(err), or an error with a transient domain code, for
// a failure worth retrying; any other error dead-letters the message.
type Handler func(ctx context.Context, ev Event) error

// Handlers maps an event type to its handler; the keys are also the routing
// keys the service's queue is bound to.
type Handlers map[string]Handler

// Prepare is the first step of a handler in two steps. It runs before the
// consumer's transaction, outside it, so that what is slow (reading another
// service over HTTP) holds no database lock; it returns the Handler that then
// runs in the transaction with the inbox record. An event already processed
// is acked without preparing. Its errors are retried like a handler's.
type Prepare func(ctx context.Context, ev Event) (Handler, error)

// ConsumerConfig tunes a Consumer; the zero value takes the defaults.
type ConsumerConfig struct {
	// Prefetch bounds the messages delivered and not yet acked. Default 16.
	Prefetch int
	// Retry bounds the attempts of a handler that fails transiently.
	Retry RetryPolicy
	// Reconnect is the wait between connection attempts. Default 100ms doubling to 2s.
	Reconnect Backoff
	// Outbox, when set, is the outbox of the consumer's database: handlers'
	// transactions then nudge its relay right after they commit.
	Outbox *Outbox
	// Logger receives connection losses, retries and dead letters. Default slog.Default().
	Logger *slog.Logger
	// Prepare holds the event types handled in two steps (see Prepare); a type
	// is either here or in the consumer's Handlers. Its keys are bound too.
	Prepare map[string]Prepare
	// Observer, when set, traces each delivery and is told of its outcome.
	Observer *Observer
	// Hold, when set, is called before each delivery is handled and returns
	// when the consumer may handle it (an error ends the session): the lab's
	// fault injection holds the events of a service that is down.
	Hold func(ctx context.Context) error
}

// Consumer receives the events of one service's queue: manual acks, bounded
// prefetch, one message at a time in queue order. Each event runs its handler
// in a transaction that also records the event in the inbox, so a redelivery or
// a duplicate has no second effect. A transient failure is retried with backoff
// (in place, so the order of the queue is kept); after the last attempt, or on a
// permanent failure, a malformed body or an unknown type, the message is
// dead-lettered with the reason in its headers (x-lab-error, x-lab-attempts,
// x-lab-queue) and the next message follows.
type Consumer struct {
	url      string
	names    Names
	service  string
	queue    string
	db       *store.DB
	handlers Handlers
	types    []string
	cfg      ConsumerConfig
	log      *slog.Logger

	connected atomic.Bool
	ready     chan struct{}
	readyOnce sync.Once
}

// NewConsumer returns the consumer of service's queue in the variant of names,
// recording processed events in db's inbox.
func NewConsumer(url string, names Names, service string, db *store.DB, handlers Handlers,
	cfg ConsumerConfig) (*Consumer, error) {
	if err := checkService(service); err != nil {
		return nil, err
	}
	if db == nil || len(handlers)+len(cfg.Prepare) == 0 {
		return nil, errors.New("messaging: a consumer needs a database and at least one handler")
	}
	if cfg.Outbox != nil && cfg.Outbox.db != db {
		return nil, errors.New("messaging: the consumer's outbox must belong to its database")
	}
	types, err := handledTypes(handlers, cfg.Prepare)
	if err != nil {
		return nil, err
	}
	if cfg.Prefetch <= 0 {
		cfg.Prefetch = 16
	}
	cfg.Retry = cfg.Retry.orDefault()
	cfg.Reconnect = cfg.Reconnect.orDefault(defaultReconnect)
	log := orDefault(cfg.Logger).With("component", "consumer", "queue", names.Queue(service))
	return &Consumer{url: url, names: names, service: service, queue: names.Queue(service), db: db,
		handlers: handlers, types: types, cfg: cfg, log: log, ready: make(chan struct{})}, nil
}

// handledTypes lists the types of both kinds of handlers, sorted; a type may
// have one handler only.
func handledTypes(handlers Handlers, prepare map[string]Prepare) ([]string, error) {
	types := make([]string, 0, len(handlers)+len(prepare))
	for t, h := range handlers {
		if t == "" || h == nil {
			return nil, fmt.Errorf("messaging: handler for %q: want a type and a function", t)
		}
		types = append(types, t)
	}
	for t, p := range prepare {
		if _, twice := handlers[t]; t == "" || p == nil || twice {
			return nil, fmt.Errorf("messaging: prepared handler for %q: want a type with one handler and a function", t)
		}
		types = append(types, t)
	}
	slices.Sort(types)
	return types, nil
}

// Run consumes until ctx ends, reconnecting whenever the broker goes away, and
// returns nil then. A message being handled when ctx ends is left unacked: the
// broker delivers it again, and the inbox keeps that harmless.
func (c *Consumer) Run(ctx context.Context) error {
	open := func() (*session, error) { return openSession(c.url, c.names.connectionName(c.service+" consumer")) }
	keepSession(ctx, open, c.cfg.Reconnect, c.log, c.serve)
	return nil
}

// Ready is closed once the consumer's queue is declared and consumed for the
// first time.
func (c *Consumer) Ready() <-chan struct{} { return c.ready }

// Connected reports whether the consumer holds a working broker connection.
func (c *Consumer) Connected() bool { return c.connected.Load() }

// serve declares the topology and handles deliveries on one session.
func (c *Consumer) serve(ctx context.Context, s *session) error {
	if err := declareConsumer(s.ch, c.names, c.service, c.types); err != nil {
		return err
	}
	if err := s.ch.Qos(c.cfg.Prefetch, 0, false); err != nil {
		return fmt.Errorf("set prefetch: %w", err)
	}
	// Confirms make a dead letter's copy safe before its original is acked.
	if err := s.ch.Confirm(false); err != nil {
		return fmt.Errorf("enter confirm mode: %w", err)
	}
	deliveries, err := s.ch.Consume(c.queue, "", false, false, false, false, nil)
	if err != nil {
		return fmt.Errorf("consume %s: %w", c.queue, err)
	}
	c.connected.Store(true)
	defer c.connected.Store(false)
	c.readyOnce.Do(func() { close(c.ready) })
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e := <-s.closed:
			return closedErr(e)
		case d, ok := <-deliveries:
			if !ok {
				return errSessionClosed
			}
			if c.cfg.Hold != nil {
				if err := c.cfg.Hold(ctx); err != nil {
					return err
				}
			}
			if err := c.handle(ctx, s, d); err != nil {
				return err
			}
		}
	}
}

// handle settles one delivery: ack after success (or a duplicate), dead letter
// after a failure, nothing when ctx ended. An error ends the session.
func (c *Consumer) handle(ctx context.Context, s *session, d amqp.Delivery) error {
	ev, err := ParseEvent(d.Body)
	if err != nil {
		return c.deadLetter(ctx, s, d, fmt.Errorf("malformed message: %w", err), 1)
	}
	h, ok := c.handlers[ev.Type]
	prep, prepared := c.cfg.Prepare[ev.Type]
	if !ok && !prepared {
		return c.deadLetter(ctx, s, d, fmt.Errorf("no handler for event type %q", ev.Type), 1)
	}
	dup := new(bool)
	attempts, err := c.process(context.WithValue(ctx, duplicateKey{}, dup), d, ev, h, prep)
	if err != nil && ctx.Err() != nil {
		return ctx.Err() // shutting down: the broker delivers it again later
	}
	if err != nil {
		c.cfg.Observer.consumed(ctx, ev.Type, OutcomeDeadLettered)
		return c.deadLetter(ctx, s, d, err, attempts)
	}
	if err := d.Ack(false); err != nil {
		return fmt.Errorf("ack event %s: %w", ev.ID, err)
	}
	outcome := OutcomeOK
	if *dup {
		outcome = OutcomeDuplicate
	}
	c.cfg.Observer.consumed(ctx, ev.Type, outcome)
	return nil
}

// attempt runs the handler once: in two steps when prep is set.
func (c *Consumer) attempt(ctx context.Context, ev Event, h Handler, prep Prepare) error {
	if prep == nil {
		return c.once(ctx, ev, h)
	}
	done, err := Processed(ctx, c.db, c.service, ev.ID)
	if err != nil {
		return Retryable(err)
	}
	if done {
		c.log.Debug("duplicate event skipped", "id", ev.ID, "type", ev.Type)
		markDuplicate(ctx)
		return nil
	}
	if h, err = prep(ctx, ev); err != nil {
		return err
	}
	if h == nil {
		h = func(context.Context, Event) error { return nil }
	}
	return c.once(ctx, ev, h)
}

// process runs the handler until it succeeds, fails permanently or has used its
// attempts, and returns how many it used.
func (c *Consumer) process(ctx context.Context, d amqp.Delivery, ev Event, h Handler, prep Prepare) (int, error) {
	ctx, span := startConsumerSpan(ctx, c.cfg.Observer, d, c.queue, ev)
	defer span.End()
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, ev, h, prep)
		if err == nil {
			return attempt, nil
		}
		if !IsRetryable(err) || attempt >= c.cfg.Retry.Attempts || ctx.Err() != nil {
			span.SetStatus(codes.Error, err.Error())
			return attempt, err
		}
		wait := c.cfg.Retry.Backoff.delay(attempt - 1)
		c.cfg.Observer.consumed(ctx, ev.Type, OutcomeRetried)
		c.log.Warn("handler failed; retrying", "id", ev.ID, "type", ev.Type, "attempt", attempt, "err", err,
			"retry_in", wait)
		if !sleep(ctx, wait) {
			return attempt, ctx.Err()
		}
	}
}
