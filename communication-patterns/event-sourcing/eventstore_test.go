package eventsourcing

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/events"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/store"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// fixture is an event store over a fresh ordering database of one dialect,
// publishing through a real outbox in the same database.
type fixture struct {
	db *store.DB
	ob *messaging.Outbox
	es *EventStore
}

// forEachDB runs test against a fresh event store on SQLite and on PostgreSQL,
// snapshotting every `every` events.
func forEachDB(t *testing.T, every int, test func(t *testing.T, f fixture)) {
	for _, dialect := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			url, path := "", filepath.Join(t.TempDir(), "ordering.db")
			if dialect == store.Postgres {
				url, path = testenv.PostgresSchema(t), ""
			}
			db, err := store.OpenService(t.Context(), "ordering", url, path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := messaging.Migrate(t.Context(), db); err != nil {
				t.Fatal(err)
			}
			if err := Migrate(t.Context(), db); err != nil {
				t.Fatal(err)
			}
			ob := messaging.NewOutbox(db)
			ann := events.NewOrderEvents(messaging.Emitter{Source: "/ordering", Style: messaging.Fat, Tx: ob})
			test(t, fixture{db: db, ob: ob, es: NewEventStore(db, ann, every)})
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newOrder creates an OPEN order without items.
func newOrder(t *testing.T, f fixture) domain.Order {
	t.Helper()
	now := domain.Now()
	o := domain.Order{OrderID: domain.NewID(), CustomerID: domain.NewID(), Name: "n", Status: domain.OrderOpen,
		Items: []domain.OrderItem{}, Currency: domain.Currency, CreatedAt: now, UpdatedAt: now}
	must(t, f.es.CreateOrder(t.Context(), o))
	return o
}

// addItem adds a PENDING item at price 250.
func addItem(t *testing.T, f fixture, orderID string) domain.OrderItem {
	t.Helper()
	it := domain.OrderItem{ItemID: domain.NewID(), ProductID: domain.NewID(), Quantity: 2, UnitPrice: 250,
		Status: domain.ItemPending}
	_, err := f.es.UpdateOrder(t.Context(), orderID, func(o *domain.Order) error {
		o.Items, o.UpdatedAt = append(o.Items, it), domain.Now()
		return nil
	})
	must(t, err)
	return it
}

// complete takes an order through the whole flow: an item, reserved, then
// confirmed, shipped and completed; it returns the state after each step.
func complete(t *testing.T, f fixture) []domain.Order {
	t.Helper()
	ctx := t.Context()
	o := newOrder(t, f)
	states := []domain.Order{o}
	it := addItem(t, f, o.OrderID)
	steps := []func(o *domain.Order) error{
		func(o *domain.Order) error {
			o.Item(it.ItemID).UnitPrice = 240
			o.SetItemOutcome(it.ItemID, domain.NewID(), domain.ItemReserved, domain.Now())
			return nil
		},
		func(o *domain.Order) error { _, err := o.Confirm(domain.Now()); return err },
		func(o *domain.Order) error { _, err := o.MarkShipped(domain.Now()); return err },
		func(o *domain.Order) error { _, err := o.MarkCompleted(domain.Now()); return err },
	}
	cur, err := f.es.Order(ctx, o.OrderID)
	must(t, err)
	states = append(states, cur)
	for _, step := range steps {
		cur, err = f.es.UpdateOrder(ctx, o.OrderID, step)
		must(t, err)
		states = append(states, cur)
	}
	return states
}

func types(evs []ordering.StreamEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func TestEventStore_StreamIsTheState(t *testing.T) {
	forEachDB(t, 3, func(t *testing.T, f fixture) {
		ctx := t.Context()
		states := complete(t, f)
		last := states[len(states)-1]
		if last.Status != domain.OrderCompleted || last.Total != 480 {
			t.Fatalf("final state %s total %d, want COMPLETED 480", last.Status, last.Total)
		}
		evs, err := f.es.OrderEvents(ctx, last.OrderID)
		must(t, err)
		want := []string{OrderOpened, ItemAdded, ItemReserved, OrderConfirmed, OrderShipped, OrderCompleted}
		if got := types(evs); !slices.Equal(got, want) {
			t.Fatalf("stream %v, want %v", got, want)
		}
		for i, e := range evs {
			if e.Version != i+1 || e.RecordedAt.IsZero() {
				t.Fatalf("event %d: version %d at %v", i, e.Version, e.RecordedAt)
			}
		}
		// The contract's events went to the outbox with the appends: created,
		// item-added, confirmed, shipped, completed (the outcome is the warehouse's news).
		if n, err := f.ob.Backlog(ctx); err != nil || n != 5 {
			t.Fatalf("outbox holds %d events (%v), want 5", n, err)
		}
		// Snapshots every 3 events: the latest at version 6, and the state read
		// from it is the state folded from the start.
		var version int
		must(t, f.db.SQL.QueryRowContext(ctx, f.db.Rebind("SELECT version FROM order_snapshots WHERE order_id = ?"),
			last.OrderID).Scan(&version))
		if version != 6 {
			t.Fatalf("snapshot at version %d, want 6", version)
		}
		now, err := f.es.Order(ctx, last.OrderID)
		must(t, err)
		replayed, err := f.es.OrderAt(ctx, last.OrderID, ordering.Moment{Version: len(evs)})
		must(t, err)
		if !sameOrder(now, last) || !sameOrder(replayed, last) {
			t.Fatalf("state %+v, replayed %+v, want %+v", now, replayed, last)
		}
	})
}

func TestEventStore_LookBack(t *testing.T) {
	forEachDB(t, 100, func(t *testing.T, f fixture) {
		ctx := t.Context()
		states := complete(t, f)
		id := states[0].OrderID
		evs, err := f.es.OrderEvents(ctx, id)
		must(t, err)
		// states[i] is the state after the first i+1 events (the item's add is state 1).
		for i, want := range states {
			got, err := f.es.OrderAt(ctx, id, ordering.Moment{Version: i + 1})
			must(t, err)
			if !sameOrder(got, want) {
				t.Fatalf("version %d = %+v, want %+v", i+1, got, want)
			}
			got, err = f.es.OrderAt(ctx, id, ordering.Moment{AsOf: evs[i].RecordedAt})
			must(t, err)
			if got.Status != want.Status {
				t.Fatalf("as of event %d: %s, want %s", i+1, got.Status, want.Status)
			}
		}
		beforeConfirm, err := f.es.OrderAt(ctx, id, ordering.Moment{AsOf: evs[3].RecordedAt.Add(-time.Microsecond)})
		must(t, err)
		if beforeConfirm.Status != domain.OrderOpen || beforeConfirm.Items[0].Status != domain.ItemReserved {
			t.Fatalf("just before confirm: %s with the item %s", beforeConfirm.Status, beforeConfirm.Items[0].Status)
		}
		for _, m := range []ordering.Moment{{Version: 99}, {AsOf: evs[0].RecordedAt.Add(-time.Second)}} {
			if _, err := f.es.OrderAt(ctx, id, m); domain.ErrorCode(err) != domain.CodeNotFound {
				t.Fatalf("%+v: %v, want not found", m, err)
			}
		}
		if _, err := f.es.OrderEvents(ctx, domain.NewID()); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("stream of an unknown order: %v", err)
		}
	})
}

func TestEventStore_RebuildFromTheLog(t *testing.T) {
	forEachDB(t, 2, func(t *testing.T, f fixture) {
		ctx := t.Context()
		for range 3 {
			complete(t, f)
		}
		open := newOrder(t, f)
		addItem(t, f, open.OrderID)
		before, err := f.es.Orders(ctx, "", "", domain.Page{})
		must(t, err)
		_, err = f.db.SQL.ExecContext(ctx, "DELETE FROM order_snapshots")
		must(t, err)
		replayed, err := f.es.Orders(ctx, "", "", domain.Page{})
		must(t, err)
		n, err := f.es.Rebuild(ctx)
		must(t, err)
		rebuilt, err := f.es.Orders(ctx, "", "", domain.Page{})
		must(t, err)
		if n != 4 || len(before) != 4 {
			t.Fatalf("rebuilt %d streams of %d orders, want 4", n, len(before))
		}
		for i := range before {
			if !sameOrder(before[i], replayed[i]) || !sameOrder(before[i], rebuilt[i]) {
				t.Fatalf("order %d: %+v, replayed %+v, rebuilt %+v", i, before[i], replayed[i], rebuilt[i])
			}
		}
		var snaps int
		must(t, f.db.SQL.QueryRowContext(ctx, "SELECT COUNT(*) FROM order_snapshots").Scan(&snaps))
		if snaps != 4 {
			t.Fatalf("%d snapshots after the rebuild, want 4", snaps)
		}
		completed, err := f.es.Orders(ctx, "", domain.OrderCompleted, domain.Page{})
		must(t, err)
		mine, err := f.es.Orders(ctx, open.CustomerID, "", domain.Page{})
		must(t, err)
		if len(completed) != 3 || len(mine) != 1 || mine[0].OrderID != open.OrderID {
			t.Fatalf("filters: %d completed, %d of the customer", len(completed), len(mine))
		}
	})
}

// TestEventStore_RacingWriters: two writers read the same version of one
// order; one appends first, the other loses the race, reads again and
// appends after it. Nothing is lost, and the versions stay one apart.
func TestEventStore_RacingWriters(t *testing.T) {
	forEachDB(t, 5, func(t *testing.T, f fixture) {
		ctx := t.Context()
		o := newOrder(t, f)
		var read sync.WaitGroup
		read.Add(2)
		var calls [2]int
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for w := range 2 {
			wg.Go(func() {
				_, errs[w] = f.es.UpdateOrder(ctx, o.OrderID, func(o *domain.Order) error {
					calls[w]++
					if calls[w] == 1 { // both writers have read version 1 before either appends
						read.Done()
						read.Wait()
					}
					o.Items = append(o.Items, domain.OrderItem{ItemID: domain.NewID(), ProductID: domain.NewID(),
						Quantity: 1, UnitPrice: 100, Status: domain.ItemPending})
					o.UpdatedAt = domain.Now()
					return nil
				})
			})
		}
		wg.Wait()
		must(t, errors.Join(errs...))
		if calls[0]+calls[1] != 3 {
			t.Fatalf("fn ran %v times, want one writer once and the other twice", calls)
		}
		got, err := f.es.Order(ctx, o.OrderID)
		must(t, err)
		evs, err := f.es.OrderEvents(ctx, o.OrderID)
		must(t, err)
		if len(got.Items) != 2 || len(evs) != 3 {
			t.Fatalf("%d items and %d events, want 2 and 3", len(got.Items), len(evs))
		}
	})
}

// TestEventStore_LosingEveryRace: a writer whose every attempt is overtaken
// by another append gives up with 409 and appends nothing.
func TestEventStore_LosingEveryRace(t *testing.T) {
	forEachDB(t, 5, func(t *testing.T, f fixture) {
		ctx := t.Context()
		o := newOrder(t, f)
		tries := 0
		_, err := f.es.UpdateOrder(ctx, o.OrderID, func(cur *domain.Order) error {
			tries++
			addItem(t, f, o.OrderID) // another writer gets in between the read and the append
			return cur.Cancel(domain.Now())
		})
		if domain.ErrorCode(err) != domain.CodeConflict || tries != attempts {
			t.Fatalf("after %d tries: %v, want a conflict after %d", tries, err, attempts)
		}
		got, err := f.es.Order(ctx, o.OrderID)
		must(t, err)
		if got.Status != domain.OrderOpen || len(got.Items) != attempts {
			t.Fatalf("the losing writer's change was stored, or another's lost: %+v", got)
		}
	})
}

// TestEventStore_RaceInsideATransaction: in a consumer's open transaction
// (PostgreSQL: SQLite's transaction holds the write lock, so no one races it)
// the losing append rolls back to its savepoint and the retry runs in the
// same transaction, which then commits.
func TestEventStore_RaceInsideATransaction(t *testing.T) {
	forEachDB(t, 5, func(t *testing.T, f fixture) {
		if f.db.Dialect == store.SQLite {
			t.Skip("SQLite serialises transactions from their start")
		}
		ctx := t.Context()
		o := newOrder(t, f)
		first := true
		must(t, f.db.InTx(ctx, func(ctx context.Context) error {
			_, err := f.es.UpdateOrder(ctx, o.OrderID, func(cur *domain.Order) error {
				if first {
					first = false
					addItem(t, f, o.OrderID) // outside the transaction: commits at once
				}
				return cur.Cancel(domain.Now())
			})
			return err
		}))
		got, err := f.es.Order(ctx, o.OrderID)
		must(t, err)
		if got.Status != domain.OrderCanceled || len(got.Items) != 1 || got.Items[0].Status != domain.ItemCanceled {
			t.Fatalf("after the retry: %+v", got)
		}
	})
}

// TestEventStore_UpcastsVersion1: an ItemAdded stored in version 1 (price,
// no currency) reads as version 2, in the state and in the stream.
func TestEventStore_UpcastsVersion1(t *testing.T) {
	forEachDB(t, 5, func(t *testing.T, f fixture) {
		ctx := t.Context()
		o := newOrder(t, f)
		_, err := f.db.SQL.ExecContext(ctx, f.db.Rebind("INSERT INTO order_events"+
			" (order_id, version, type, schema_version, data, recorded_at) VALUES (?, 2, 'ItemAdded', 1, ?, ?)"),
			o.OrderID, `{"itemId":"`+domain.NewID()+`","productId":"p","quantity":3,"price":125}`, dbTime(domain.Now()))
		must(t, err)
		got, err := f.es.Order(ctx, o.OrderID)
		must(t, err)
		if len(got.Items) != 1 || got.Items[0].UnitPrice != 125 || got.Items[0].Quantity != 3 {
			t.Fatalf("items %+v, want one of 3 at 125", got.Items)
		}
		evs, err := f.es.OrderEvents(ctx, o.OrderID)
		must(t, err)
		if e := evs[1]; e.SchemaVersion != 2 || e.StoredSchemaVersion != 1 || string(e.Data) !=
			`{"itemId":"`+got.Items[0].ItemID+`","productId":"p","quantity":3,"unitPrice":125,"currency":"EUR"}` {
			t.Fatalf("upcast event %+v data %s", e, e.Data)
		}
		// The order goes on from the upcast state: the next append is version 3, in version 2's shape.
		addItem(t, f, o.OrderID)
		if evs, err = f.es.OrderEvents(ctx, o.OrderID); err != nil || len(evs) != 3 || evs[2].StoredSchemaVersion != 2 {
			t.Fatalf("after one more item: %d events (%v)", len(evs), err)
		}
	})
}

func TestEventStore_AppendOnlyAndUnrecorded(t *testing.T) {
	forEachDB(t, 5, func(t *testing.T, f fixture) {
		ctx := t.Context()
		o := newOrder(t, f)
		for _, q := range []string{"UPDATE order_events SET type = 'x'", "DELETE FROM order_events"} {
			if _, err := f.db.SQL.ExecContext(ctx, q); err == nil {
				t.Fatalf("%s: no error; the log must be append-only", q)
			}
		}
		_, err := f.es.UpdateOrder(ctx, o.OrderID, func(o *domain.Order) error {
			o.Name, o.UpdatedAt = "renamed", domain.Now()
			return nil
		})
		if !errors.Is(err, errUnrecorded) {
			t.Fatalf("a change no event records: %v", err)
		}
		if err := f.es.CreateOrder(ctx, o); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("creating an order twice: %v", err)
		}
	})
}

func TestUpcast_Unknown(t *testing.T) {
	if _, _, err := upcast(ItemAdded, 3, nil); err == nil {
		t.Fatal("a version newer than the build must not be read")
	}
	if _, _, err := upcast("Nope", 1, nil); err == nil {
		t.Fatal("an unknown type must not be read")
	}
}
