package eventsourcing

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/store"
)

// migrationFiles holds the event store's tables (migration 1); migration 2,
// the append-only triggers, is appendOnly.
//
//go:embed migrations
var migrationFiles embed.FS

// MigrationTable is the table in which goose records the event store's
// migrations, beside the service's own and the messaging tables'.
const MigrationTable = "goose_event_store"

// Migrate creates the event store's tables in db.
func Migrate(ctx context.Context, db *store.DB) error {
	return store.MigrateSet(ctx, db, migrationFiles, "migrations", MigrationTable, "event store", goose.WithGoMigrations(appendOnly(db.Dialect)))
}

// Announcer publishes the contract's order events in the transaction ctx
// carries (events.OrderEvents does, through the outbox).
type Announcer interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Created(ctx context.Context, o domain.Order) error
	Changed(ctx context.Context, before, after domain.Order) error
	Current(ctx context.Context, o domain.Order) error
}

// snapshotSchema is the version of the snapshots' shape (a domain.Order as
// JSON). A snapshot of another version is ignored and the stream folded from
// its start, so changing the shape needs no migration of the snapshots.
const snapshotSchema = 1

// attempts bounds how often an update is tried again after losing a race.
const attempts = 8

// EventStore keeps each order as a stream of events: the source of truth. An
// order's state is the fold of its events, from the latest snapshot on; every
// SnapshotEvery events the store takes a new snapshot in the transaction of
// the append. The events the contract names are published from the same
// transaction, through the outbox: an append and its announcement commit
// together or not at all.
type EventStore struct {
	db    *store.DB
	ann   Announcer
	every int
}

var (
	_ ordering.Repository = (*EventStore)(nil)
	_ ordering.History    = (*EventStore)(nil)
	_ ordering.Announcer  = (*EventStore)(nil)
)

// NewEventStore returns the event store of db, whose tables Migrate has
// created, taking a snapshot every `every` events.
func NewEventStore(db *store.DB, ann Announcer, every int) *EventStore {
	return &EventStore{db: db, ann: ann, every: max(every, 1)}
}

// errConflict is an append that lost the race for its version.
var errConflict = errors.New("another writer appended to the stream first")

// CreateOrder starts the order's stream (OrderOpened) and announces order.created.
func (s *EventStore) CreateOrder(ctx context.Context, o domain.Order) error {
	recs, err := changes(domain.Order{}, o, 0)
	if err != nil {
		return err
	}
	start := domain.Order{OrderID: o.OrderID, Items: []domain.OrderItem{}}
	err = s.append(ctx, start, recs, func(ctx context.Context, after domain.Order) error { return s.ann.Created(ctx, after) })
	if errors.Is(err, errConflict) {
		return domain.Errorf(domain.CodeConflict, "order %s already exists", o.OrderID)
	}
	return err
}

// Order returns the order's current state: its latest snapshot and the events after it.
func (s *EventStore) Order(ctx context.Context, id string) (domain.Order, error) {
	o, _, err := s.load(ctx, id)
	return o, err
}

// Orders folds every stream, newest first; customerID and status, when set, filter.
func (s *EventStore) Orders(ctx context.Context, customerID string, status domain.OrderStatus, page domain.Page) ([]domain.Order, error) {
	states, err := s.current(ctx, "customer_id", customerID)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	out := make([]domain.Order, 0, len(states))
	for _, st := range states {
		if status == "" || st.order.Status == status {
			out = append(out, st.order)
		}
	}
	// The list's stable order, newest first (domain.Page), folded in memory:
	// the stream holds no table of current state to sort in SQL.
	slices.SortFunc(out, func(a, b domain.Order) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.OrderID, a.OrderID)
	})
	if page.After != "" {
		i := slices.IndexFunc(out, func(o domain.Order) bool { return o.OrderID == page.After })
		if i < 0 {
			return []domain.Order{}, nil // an unknown cursor matches no order, as in shared/store
		}
		out = out[i+1:]
	}
	if page.Limit > 0 && len(out) > page.Limit+1 {
		out = out[:page.Limit+1]
	}
	return out, nil
}

// UpdateOrder reads the order at version v, lets fn change a copy, turns the
// difference into events and appends them as versions v+1…, on condition that
// the stream is still at v: optimistic concurrency, with no lock held while fn
// runs. A writer that lost the race reads again and tries again; after
// `attempts` losses the update is refused with CodeConflict (409). The state
// returned is the fold of the stream, not fn's copy.
func (s *EventStore) UpdateOrder(ctx context.Context, id string, fn func(*domain.Order) error) (domain.Order, error) {
	for range attempts {
		before, v, err := s.load(ctx, id)
		if err != nil {
			return domain.Order{}, err
		}
		after := before
		after.Items = append([]domain.OrderItem{}, before.Items...)
		if err := fn(&after); err != nil {
			return domain.Order{}, err
		}
		recs, err := changes(before, after, v)
		if err != nil || len(recs) == 0 {
			return before, err
		}
		var state domain.Order
		err = s.append(ctx, before, recs, func(ctx context.Context, folded domain.Order) error {
			state = folded
			return s.ann.Changed(ctx, before, folded)
		})
		if !errors.Is(err, errConflict) {
			return state, err
		}
	}
	return domain.Order{}, domain.Errorf(domain.CodeConflict,
		"order %s changed %d times while this request tried to change it; try again", id, attempts)
}

// Announce publishes the event of the order's current status again.
func (s *EventStore) Announce(ctx context.Context, id string) (domain.Order, error) {
	var o domain.Order
	err := s.ann.InTx(ctx, func(ctx context.Context) error {
		var err error
		if o, _, err = s.load(ctx, id); err != nil {
			return err
		}
		return s.ann.Current(ctx, o)
	})
	return o, err
}

// OrderEvents returns the order's stream, every event at its current schema version.
func (s *EventStore) OrderEvents(ctx context.Context, id string) ([]ordering.StreamEvent, error) {
	recs, err := s.stream(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]ordering.StreamEvent, len(recs))
	for i, r := range recs {
		out[i] = ordering.StreamEvent{OrderID: id, Version: r.Version, Type: r.Type, SchemaVersion: r.Schema,
			StoredSchemaVersion: r.Stored, RecordedAt: r.RecordedAt, Data: r.Data}
	}
	return out, nil
}

// OrderAt folds the order's stream from its start up to the moment.
func (s *EventStore) OrderAt(ctx context.Context, id string, m ordering.Moment) (domain.Order, error) {
	recs, err := s.stream(ctx, id)
	if err != nil {
		return domain.Order{}, err
	}
	n := 0
	for n < len(recs) && (m.Version > 0 && recs[n].Version <= m.Version || m.Version == 0 && !recs[n].RecordedAt.After(m.AsOf)) {
		n++
	}
	switch {
	case m.Version > len(recs):
		return domain.Order{}, domain.Errorf(domain.CodeNotFound, "order %s has %d versions, not %d", id, len(recs), m.Version)
	case n == 0:
		return domain.Order{}, domain.Errorf(domain.CodeNotFound, "order %s did not exist yet at %s", id,
			m.AsOf.Format(time.RFC3339Nano))
	}
	return fold(domain.Order{OrderID: id, Items: []domain.OrderItem{}}, recs[:n])
}

// Rebuild drops every snapshot and takes them again from the log: each
// stream is folded from its first event and snapshotted at its last multiple
// of SnapshotEvery. The states are the same as before, since a snapshot only
// saves the fold some work.
func (s *EventStore) Rebuild(ctx context.Context) (streams int, err error) {
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Q(ctx).ExecContext(ctx, "DELETE FROM order_snapshots"); err != nil {
			return err
		}
		states, err := s.current(ctx, "", "")
		if err != nil {
			return err
		}
		for _, st := range states {
			recs, err := s.stream(ctx, st.order.OrderID)
			if err != nil {
				return err
			}
			at := len(recs) / s.every * s.every
			if at == 0 {
				continue
			}
			o, err := fold(domain.Order{OrderID: st.order.OrderID, Items: []domain.OrderItem{}}, recs[:at])
			if err != nil {
				return err
			}
			if err := s.snapshot(ctx, o, at); err != nil {
				return err
			}
		}
		streams = len(states)
		return nil
	})
	return streams, err
}

// append writes the events after start's version and, in the same
// transaction, the snapshot when one is due and what announce publishes of
// the new state. A version already taken is errConflict. Inside a transaction
// that is already open (a consumer's), a savepoint keeps that transaction
// usable when the append loses, so the retry runs in it.
func (s *EventStore) append(ctx context.Context, start domain.Order, recs []record,
	announce func(ctx context.Context, after domain.Order) error) error {
	from := recs[0].Version - 1
	after, err := fold(start, recs)
	if err != nil {
		return err
	}
	return s.ann.InTx(ctx, func(ctx context.Context) error {
		return s.savepoint(ctx, func() error {
			q := s.db.Q(ctx)
			if from == 0 {
				_, err := q.ExecContext(ctx, s.db.Rebind(
					"INSERT INTO order_streams (order_id, customer_id, created_at) VALUES (?, ?, ?)"),
					after.OrderID, after.CustomerID, dbTime(after.CreatedAt))
				if store.IsUniqueViolation(err) {
					return errConflict
				}
				if err != nil {
					return fmt.Errorf("start the stream of order %s: %w", after.OrderID, err)
				}
			}
			for _, r := range recs {
				_, err := q.ExecContext(ctx, s.db.Rebind("INSERT INTO order_events"+
					" (order_id, version, type, schema_version, data, recorded_at) VALUES (?, ?, ?, ?, ?, ?)"),
					after.OrderID, r.Version, r.Type, r.Schema, string(r.Data), dbTime(r.RecordedAt))
				if store.IsUniqueViolation(err) {
					return errConflict
				}
				if err != nil {
					return fmt.Errorf("append %s to order %s: %w", r.Type, after.OrderID, err)
				}
			}
			to := recs[len(recs)-1].Version
			if to/s.every > from/s.every {
				if err := s.snapshot(ctx, after, to); err != nil {
					return err
				}
			}
			return announce(ctx, after)
		})
	})
}

// savepoint runs fn under a savepoint when ctx carries an open transaction,
// rolling back to it when fn fails; otherwise fn's failure rolls back the
// transaction append opened.
func (s *EventStore) savepoint(ctx context.Context, fn func() error) error {
	if !s.db.InTransaction(ctx) {
		return fn()
	}
	tx := s.db.Q(ctx)
	if _, err := tx.ExecContext(ctx, "SAVEPOINT event_store_append"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		if _, rbErr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT event_store_append"); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		return err
	}
	_, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT event_store_append")
	return err
}

// snapshot saves the order's state after its first version events.
func (s *EventStore) snapshot(ctx context.Context, o domain.Order, version int) error {
	state, err := json.Marshal(o)
	if err != nil {
		return err
	}
	_, err = s.db.Q(ctx).ExecContext(ctx, s.db.Rebind(
		"INSERT INTO order_snapshots (order_id, version, schema_version, state, taken_at) VALUES (?, ?, ?, ?, ?)"+
			" ON CONFLICT (order_id) DO UPDATE SET version = excluded.version,"+
			" schema_version = excluded.schema_version, state = excluded.state, taken_at = excluded.taken_at"),
		o.OrderID, version, snapshotSchema, string(state), dbTime(domain.Now()))
	if err != nil {
		return fmt.Errorf("snapshot order %s at version %d: %w", o.OrderID, version, err)
	}
	return nil
}

// streamState is an order's current state and its stream's version.
type streamState struct {
	order   domain.Order
	version int
}

// load returns the order's current state and version, or CodeNotFound.
func (s *EventStore) load(ctx context.Context, id string) (domain.Order, int, error) {
	states, err := s.current(ctx, "order_id", id)
	if err != nil {
		return domain.Order{}, 0, fmt.Errorf("load order %s: %w", id, err)
	}
	if len(states) == 0 {
		return domain.Order{}, 0, domain.Errorf(domain.CodeNotFound, "no order has id %s", id)
	}
	return states[0].order, states[0].version, nil
}

// current folds the streams whose column equals value (every stream when
// column is empty), newest first, each from its snapshot on. One statement
// reads the snapshots and the events after them, so the two agree even while
// other writers append.
func (s *EventStore) current(ctx context.Context, column, value string) ([]streamState, error) {
	where, args := "", []any{snapshotSchema}
	if column != "" && value != "" {
		where, args = " WHERE st."+column+" = ?", append(args, value)
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, s.db.Rebind(
		"SELECT st.order_id, sn.version, sn.state, e.version, e.type, e.schema_version, e.data, e.recorded_at"+
			" FROM order_streams st"+
			" LEFT JOIN order_snapshots sn ON sn.order_id = st.order_id AND sn.schema_version = ?"+
			" LEFT JOIN order_events e ON e.order_id = st.order_id AND e.version > COALESCE(sn.version, 0)"+
			where+" ORDER BY st.created_at DESC, st.order_id DESC, e.version"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []streamState
	var tail []record
	flush := func() error {
		if len(out) == 0 {
			return nil
		}
		last := &out[len(out)-1]
		o, err := fold(last.order, tail)
		if err != nil {
			return err
		}
		last.order, tail = o, tail[:0]
		if o.Status == "" {
			return fmt.Errorf("order %s has an empty stream", o.OrderID)
		}
		return nil
	}
	for rows.Next() {
		var id string
		var snapVersion, version, schema sql.NullInt64
		var snapState, typ, data, at sql.NullString
		if err := rows.Scan(&id, &snapVersion, &snapState, &version, &typ, &schema, &data, &at); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].order.OrderID != id {
			if err := flush(); err != nil {
				return nil, err
			}
			st := streamState{order: domain.Order{OrderID: id, Items: []domain.OrderItem{}}}
			if snapVersion.Valid {
				if err := json.Unmarshal([]byte(snapState.String), &st.order); err != nil {
					return nil, fmt.Errorf("read the snapshot of order %s: %w", id, err)
				}
				st.version = int(snapVersion.Int64)
			}
			out = append(out, st)
		}
		if !version.Valid {
			continue
		}
		r, err := readRecord(int(version.Int64), typ.String, int(schema.Int64), data.String, at.String)
		if err != nil {
			return nil, fmt.Errorf("order %s: %w", id, err)
		}
		tail = append(tail, r)
		out[len(out)-1].version = r.Version
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// stream reads an order's whole stream, oldest first, or CodeNotFound.
func (s *EventStore) stream(ctx context.Context, id string) ([]record, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, s.db.Rebind(
		"SELECT version, type, schema_version, data, recorded_at FROM order_events WHERE order_id = ? ORDER BY version"), id)
	if err != nil {
		return nil, fmt.Errorf("read the stream of order %s: %w", id, err)
	}
	defer rows.Close()
	var out []record
	for rows.Next() {
		var version, schema int
		var typ, data, at string
		if err := rows.Scan(&version, &typ, &schema, &data, &at); err != nil {
			return nil, err
		}
		r, err := readRecord(version, typ, schema, data, at)
		if err != nil {
			return nil, fmt.Errorf("order %s: %w", id, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, domain.Errorf(domain.CodeNotFound, "no order has id %s", id)
	}
	return out, nil
}

// readRecord decodes a stored event and brings its data to the current schema version.
func readRecord(version int, typ string, stored int, data, at string) (record, error) {
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return record{}, fmt.Errorf("version %d: recorded_at %q: %w", version, at, err)
	}
	raw, schema, err := upcast(typ, stored, json.RawMessage(data))
	if err != nil {
		return record{}, fmt.Errorf("version %d: %w", version, err)
	}
	return record{Version: version, Type: typ, Schema: schema, Stored: stored, Data: raw, RecordedAt: t.UTC()}, nil
}

// timeLayout is how a time is stored: UTC with exactly six fractional digits,
// so that the text sorts as the time does.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

func dbTime(t time.Time) string { return t.UTC().Format(timeLayout) }
