// Pattern: Transactional outbox. A service that commits a state change and then
// publishes its event loses the event when it crashes, or the broker is down,
// between the two; one that publishes first announces changes that may roll back.
// Here the event is written to an outbox table in the same database transaction
// as the change, so both commit or neither does, and the Relay publishes the
// committed rows afterwards, retrying until the broker has confirmed each one.

package messaging

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sync/atomic"

	"github.com/microservice-patterns/lab/shared/store"
)

// migrationFiles holds the outbox and inbox tables, one folder per dialect:
// an auto-incrementing key is the one thing the two cannot write alike.
//
//go:embed migrations
var migrationFiles embed.FS

// MigrationTable is the table in which goose records the messaging migrations,
// apart from the service's own goose_db_version, so both sets run side by side.
const MigrationTable = "goose_messaging"

// Migrations returns the goose migrations of the outbox and inbox tables for
// the dialect; run them with MigrationTable as goose's table (Migrate does).
func Migrations(d store.Dialect) (fs.FS, error) {
	if d != store.SQLite && d != store.Postgres {
		return nil, fmt.Errorf("messaging: no migrations for dialect %q", d)
	}
	return fs.Sub(migrationFiles, "migrations/"+string(d))
}

// Migrate brings the outbox and inbox tables of db up to date. A service calls
// it after store.Open, beside its own migrations.
func Migrate(ctx context.Context, db *store.DB) error {
	return store.MigrateSet(ctx, db, migrationFiles, "migrations/"+string(db.Dialect), MigrationTable, "messaging tables")
}

// Publisher publishes events as part of the caller's work. The outbox
// implementation adds the event within the transaction ctx carries, so it is
// published if and only if that transaction commits.
type Publisher interface {
	Publish(ctx context.Context, ev Event) error
}

var _ Publisher = (*Outbox)(nil)

// Outbox is the transactional outbox of one service database. Its Relay
// publishes what it holds.
type Outbox struct {
	db    *store.DB
	nudge chan struct{}
}

// NewOutbox returns the outbox of db, whose tables Migrate has created.
func NewOutbox(db *store.DB) *Outbox {
	return &Outbox{db: db, nudge: make(chan struct{}, 1)}
}

// pendingKey marks a context inside Outbox.InTx; the flag says that an event
// was added, so that the relay is nudged once the transaction has committed.
type pendingKey struct{ o *Outbox }

// Publish adds ev to the outbox within the transaction ctx carries (or on its
// own when there is none). Inside InTx the relay is nudged after the commit;
// otherwise at once, and a row that was not yet committed then is picked up by
// the relay's next poll.
func (o *Outbox) Publish(ctx context.Context, ev Event) error {
	if err := AddToOutbox(ctx, o.db, ev); err != nil {
		return err
	}
	if pending, ok := ctx.Value(pendingKey{o}).(*atomic.Bool); ok {
		pending.Store(true)
		return nil
	}
	o.Notify()
	return nil
}

// InTx runs fn in a transaction of the outbox's database (see store.DB.InTx)
// and, when fn published an event and the transaction committed, nudges the
// relay, so the events go out at once instead of at the next poll.
func (o *Outbox) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, nested := ctx.Value(pendingKey{o}).(*atomic.Bool); nested {
		return o.db.InTx(ctx, fn) // the outermost InTx nudges after its commit
	}
	pending := new(atomic.Bool)
	err := o.db.InTx(context.WithValue(ctx, pendingKey{o}, pending), fn)
	if err == nil && pending.Load() {
		o.Notify()
	}
	return err
}

// Notify nudges the relay to look for unsent rows now; it never blocks.
func (o *Outbox) Notify() {
	select {
	case o.nudge <- struct{}{}:
	default: // a nudge is already pending
	}
}

// Backlog counts the events not yet confirmed by the broker.
func (o *Outbox) Backlog(ctx context.Context) (int, error) {
	var n int
	err := o.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count outbox backlog: %w", err)
	}
	return n, nil
}

// AddToOutbox writes ev to db's outbox through db.Q(ctx), so it joins the
// transaction ctx carries: the state change and its event commit together. The
// trace context of ctx is kept with the row and travels with the message.
func AddToOutbox(ctx context.Context, db *store.DB, ev Event) error {
	if err := ev.Validate(); err != nil {
		return err
	}
	payload, err := ev.Marshal()
	if err != nil {
		return fmt.Errorf("encode event %s: %w", ev.ID, err)
	}
	_, err = db.Q(ctx).ExecContext(ctx,
		db.Rebind(`INSERT INTO outbox (event_id, subject, type, payload, headers) VALUES (?, ?, ?, ?, ?)`),
		ev.ID, ev.Subject, ev.Type, string(payload), traceHeaders(ctx))
	if err != nil {
		return fmt.Errorf("add event %s (%s) to the outbox: %w", ev.ID, ev.Type, err)
	}
	return nil
}
