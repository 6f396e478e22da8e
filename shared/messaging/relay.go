package messaging

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/microservice-patterns/lab/shared/store"
)

// RelayConfig tunes a Relay; the zero value takes the defaults.
type RelayConfig struct {
	// Batch is how many rows one round reads and publishes before it waits for
	// their confirms: the publish window. Default 100.
	Batch int
	// Poll is how often the relay looks for rows it was not nudged about. Default 200ms.
	Poll time.Duration
	// ConfirmTimeout bounds the wait for a round's confirms. Default 10s.
	ConfirmTimeout time.Duration
	// Reconnect is the wait between connection attempts. Default 100ms doubling to 2s.
	Reconnect Backoff
	// Logger receives connection losses and failures. Default slog.Default().
	Logger *slog.Logger
	// Topology, when set, names the consuming services of the variant and the
	// event types each one handles: the relay declares their queues (as Declare
	// does) each time it connects, before it publishes, so that no event is
	// published while the queue of a service that has not started yet is missing.
	Topology map[string][]string
	// Observer, when set, traces each publication and is told of each confirm.
	Observer *Observer
}

// Relay publishes the rows of an outbox, in insertion order, as persistent
// messages with publisher confirms, and marks a row sent only after the broker
// has confirmed it. While the broker is unreachable the rows wait; the relay
// reconnects with backoff and drains them in order. A row whose confirm was lost
// with the connection is published again: delivery is at least once, and the
// consumers' inbox makes the repeat harmless.
//
// Every instance of a service may run its relay on the one database the
// instances share: on PostgreSQL each round holds the outbox's lease — a
// transaction-scoped advisory lock keyed on the schema — from reading its rows
// until they are marked sent, so two relays never publish the same row, and
// the rows go out in insertion order whichever relay publishes them. A relay
// that finds the lease taken waits for it, and then finds the rows sent. On
// SQLite the database belongs to one process, so one relay runs and needs no lease.
type Relay struct {
	ob        *Outbox
	url       string
	names     Names
	cfg       RelayConfig
	log       *slog.Logger
	connected atomic.Bool
}

// NewRelay returns the relay of ob, publishing to the exchange of names at url.
func NewRelay(ob *Outbox, url string, names Names, cfg RelayConfig) *Relay {
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 200 * time.Millisecond
	}
	if cfg.ConfirmTimeout <= 0 {
		cfg.ConfirmTimeout = 10 * time.Second
	}
	cfg.Reconnect = cfg.Reconnect.orDefault(defaultReconnect)
	return &Relay{ob: ob, url: url, names: names, cfg: cfg, log: orDefault(cfg.Logger).With("component", "relay")}
}

// Run publishes until ctx ends, reconnecting whenever the broker goes away, and
// returns nil then. It leaves no goroutine behind.
func (r *Relay) Run(ctx context.Context) error {
	open := func() (*session, error) { return openSession(r.url, r.names.connectionName("relay")) }
	keepSession(ctx, open, r.cfg.Reconnect, r.log, r.serve)
	return nil
}

// Connected reports whether the relay holds a working broker connection.
func (r *Relay) Connected() bool { return r.connected.Load() }

// serve drains the outbox on one session whenever nudged or polled.
func (r *Relay) serve(ctx context.Context, s *session) error {
	if err := declareExchange(s.ch, r.names); err != nil {
		return err
	}
	for service, types := range r.cfg.Topology {
		if err := checkService(service); err != nil {
			return err
		}
		if err := declareConsumer(s.ch, r.names, service, types); err != nil {
			return err
		}
	}
	if err := s.ch.Confirm(false); err != nil {
		return fmt.Errorf("enter confirm mode: %w", err)
	}
	r.connected.Store(true)
	defer r.connected.Store(false)
	tick := time.NewTicker(r.cfg.Poll)
	defer tick.Stop()
	for {
		if err := r.drain(ctx, s); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e := <-s.closed:
			return closedErr(e)
		case <-r.ob.nudge:
		case <-tick.C:
		}
	}
}

// drain publishes unsent rows, batch after batch, until none is left. A database
// error is logged and left to the next round; a broker error ends the session.
func (r *Relay) drain(ctx context.Context, s *session) error {
	for {
		more, err := r.round(ctx, s)
		if err != nil || !more {
			return err
		}
	}
}

// querier is what a round reads and writes the outbox through: the database,
// or the transaction that holds the lease.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// leaseKey is the advisory lock of the outbox of the connection's schema.
const leaseKey = "hashtext('lab outbox ' || current_schema())"

// round publishes one batch and reports whether more rows may wait. On
// PostgreSQL it runs in a transaction that holds the outbox's lease.
func (r *Relay) round(ctx context.Context, s *session) (more bool, err error) {
	db := r.ob.db
	var q querier = db.SQL
	finish := func() error { return nil }
	if db.Dialect == store.Postgres {
		// The transaction outlives ctx: confirms that arrived are marked sent.
		tx, err := db.SQL.BeginTx(context.WithoutCancel(ctx), nil)
		if err != nil {
			r.logDB(ctx, "take the outbox lease", err)
			return false, nil
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock("+leaseKey+")"); err != nil {
			r.logDB(ctx, "take the outbox lease", err)
			return false, nil
		}
		q, finish = tx, tx.Commit
	}
	rows, err := r.fetch(ctx, q)
	if err != nil {
		r.logDB(ctx, "read outbox", err)
		return false, nil
	}
	if len(rows) == 0 {
		return false, nil
	}
	sent, pubErr := r.publish(ctx, s, rows)
	err = r.markSent(ctx, q, sent)
	if err == nil {
		err = finish()
	}
	if err != nil {
		r.log.Error("mark outbox rows sent; they will be published again", "err", err)
		return false, pubErr
	}
	return pubErr == nil && len(rows) == r.cfg.Batch, pubErr
}

func (r *Relay) logDB(ctx context.Context, what string, err error) {
	if ctx.Err() == nil {
		r.log.Error(what, "err", err)
	}
}

// outboxRow is one unsent event.
type outboxRow struct {
	seq              int64
	id, typ, headers string
	payload          []byte
}

// fetch reads the oldest unsent rows. It reads every unsent row, not only those
// after the last one sent, so a row that committed late is not skipped.
func (r *Relay) fetch(ctx context.Context, q querier) ([]outboxRow, error) {
	db := r.ob.db
	rows, err := q.QueryContext(ctx, db.Rebind(
		`SELECT seq, event_id, type, payload, headers FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ?`),
		r.cfg.Batch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var row outboxRow
		var payload string
		if err := rows.Scan(&row.seq, &row.id, &row.typ, &payload, &row.headers); err != nil {
			return nil, err
		}
		row.payload = []byte(payload)
		out = append(out, row)
	}
	return out, rows.Err()
}

// publish sends the rows in order, then waits for their confirms in order, and
// returns the seq of every row up to the first that was not confirmed.
func (r *Relay) publish(ctx context.Context, s *session, rows []outboxRow) ([]int64, error) {
	confirms := make([]*amqp.DeferredConfirmation, 0, len(rows))
	spans := make([]trace.Span, 0, len(rows))
	defer func() {
		for _, span := range spans {
			span.End() // the unconfirmed ones: each confirmed span has ended already
		}
	}()
	var pubErr error
	for _, row := range rows {
		span, headers := startProducerSpan(ctx, r.cfg.Observer, r.names.Exchange(), row)
		spans = append(spans, span)
		dc, err := s.ch.PublishWithDeferredConfirmWithContext(ctx, r.names.Exchange(), row.typ, false, false,
			row.publishing(headers))
		if err != nil {
			pubErr = fmt.Errorf("publish event %s: %w", row.id, err)
			span.SetStatus(codes.Error, pubErr.Error())
			break
		}
		confirms = append(confirms, dc)
	}
	wctx, cancel := context.WithTimeout(ctx, r.cfg.ConfirmTimeout)
	defer cancel()
	sent := make([]int64, 0, len(confirms))
	for i, dc := range confirms {
		acked, err := dc.WaitContext(wctx)
		if err == nil && !acked && s.ch.IsClosed() {
			err = fmt.Errorf("connection lost before the confirm of event %s", rows[i].id)
		} else if err == nil && !acked {
			err = fmt.Errorf("broker refused event %s", rows[i].id)
		} else if err != nil {
			err = fmt.Errorf("wait for the confirm of event %s: %w", rows[i].id, err)
		}
		if err != nil {
			spans[0].SetStatus(codes.Error, err.Error())
			return sent, err
		}
		spans[0].End()
		spans = spans[1:]
		r.cfg.Observer.published(ctx, rows[i])
		sent = append(sent, rows[i].seq)
	}
	return sent, pubErr
}

// publishing is the AMQP message of a row: the CloudEvents document as body,
// the event's id, type and time repeated in the properties, persistent;
// headers carry the trace context and the request id.
func (row outboxRow) publishing(headers amqp.Table) amqp.Publishing {
	var meta struct {
		Time   time.Time `json:"time"`
		Source string    `json:"source"`
	}
	_ = json.Unmarshal(row.payload, &meta) // written by AddToOutbox: it decodes
	return amqp.Publishing{
		Headers: headers, ContentType: ContentType, DeliveryMode: amqp.Persistent,
		MessageId: row.id, Type: row.typ, Timestamp: meta.Time, AppId: meta.Source, Body: row.payload,
	}
}

// markSent records that the broker confirmed the rows. It goes on after ctx
// ends: the confirms are in, and forgetting them would publish the rows again.
func (r *Relay) markSent(ctx context.Context, q querier, seqs []int64) error {
	if len(seqs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	args := make([]any, len(seqs))
	for i, seq := range seqs {
		args[i] = seq
	}
	db := r.ob.db
	stmt := `UPDATE outbox SET sent_at = CURRENT_TIMESTAMP WHERE seq IN (?` + strings.Repeat(", ?", len(seqs)-1) + `)`
	if _, err := q.ExecContext(ctx, db.Rebind(stmt), args...); err != nil {
		return fmt.Errorf("mark %d outbox rows sent: %w", len(seqs), err)
	}
	return nil
}
