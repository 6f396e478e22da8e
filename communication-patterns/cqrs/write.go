package cqrs

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/events"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/store"
)

// migrationFiles holds the write side's version table (migrations/write) and
// the read model's tables (migrations/view).
//
//go:embed migrations
var migrationFiles embed.FS

// OrderChanged is the event of a change of an order that no event of the
// contract names (an item's reservation outcome, recorded from
// reservation.changed): in this base the write side announces every change,
// so that the read model, which reads nothing else, misses none. No service
// but the read model subscribes to it.
const OrderChanged = "order.changed"

// VersionHeader carries, on each answer of ordering's write side about an
// order, the order's version after the request: a client that waits for the
// read model to show its write waits for this version (or a later one).
const VersionHeader = "X-Order-Version"

// migrateWrite creates the version table in ordering's database.
func migrateWrite(ctx context.Context, db *store.DB) error {
	return store.MigrateSet(ctx, db, migrationFiles, "migrations/write", "goose_cqrs_write", "write side's versions")
}

// versioning counts the events ordering publishes about each order and puts
// the count, the order's version, into each one's data ("version"), in the
// transaction that publishes it.
type versioning struct {
	db   *store.DB
	next messaging.TxPublisher
}

var _ messaging.TxPublisher = versioning{}

func (v versioning) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return v.next.InTx(ctx, fn)
}

// Publish numbers an order event and hands it on.
func (v versioning) Publish(ctx context.Context, ev messaging.Event) error {
	if !strings.HasPrefix(ev.Type, "order.") || ev.Subject == "" {
		return v.next.Publish(ctx, ev)
	}
	var n int
	err := v.db.Q(ctx).QueryRowContext(ctx, v.db.Rebind(
		"INSERT INTO order_versions (order_id, version) VALUES (?, 1)"+
			" ON CONFLICT (order_id) DO UPDATE SET version = order_versions.version + 1 RETURNING version"),
		ev.Subject).Scan(&n)
	if err != nil {
		return fmt.Errorf("count version of order %s: %w", ev.Subject, err)
	}
	if ev.Data, err = withVersion(ev.Data, n); err != nil {
		return fmt.Errorf("%s: %w", ev.Type, err)
	}
	noteFrom(ctx).record(ev.Subject, n)
	return v.next.Publish(ctx, ev)
}

// withVersion adds "version": n to an event's data, a JSON object.
func withVersion(data json.RawMessage, n int) (json.RawMessage, error) {
	fields := map[string]json.RawMessage{}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &fields); err != nil {
			return nil, err
		}
	}
	fields["version"] = json.RawMessage(strconv.Itoa(n))
	return json.Marshal(fields)
}

// currentVersion is the order's version on the write side, 0 for none.
func currentVersion(ctx context.Context, db *store.DB, orderID string) (int, error) {
	var n int
	err := db.Q(ctx).QueryRowContext(ctx, db.Rebind("SELECT COALESCE(MAX(version), 0) FROM order_versions WHERE order_id = ?"),
		orderID).Scan(&n)
	return n, err
}

// note collects, for one request or one update, the events published and the
// last version of the order they gave; a note passes what it learns on to the
// note of the request it is part of.
type note struct {
	mu      sync.Mutex
	parent  *note
	events  int
	orderID string
	version int
}

type noteKey struct{}

func withNote(ctx context.Context) (context.Context, *note) {
	n := &note{parent: noteFrom(ctx)}
	return context.WithValue(ctx, noteKey{}, n), n
}

func noteFrom(ctx context.Context) *note {
	n, _ := ctx.Value(noteKey{}).(*note)
	return n
}

func (n *note) record(orderID string, version int) {
	if n == nil {
		return
	}
	n.mu.Lock()
	n.events++
	n.orderID, n.version = orderID, version
	n.mu.Unlock()
	n.parent.record(orderID, version)
}

func (n *note) published() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.events
}

func (n *note) last() (string, int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.orderID, n.version
}

// writeSide is ordering's repository in this base: the store's orders table
// decorated with the contract's events (events.Ordering), where an update that
// none of those names announces order.changed, so every change is an event.
type writeSide struct {
	ordering.Repository
	em messaging.Emitter
}

var _ ordering.Announcer = writeSide{}

// UpdateOrder updates the order; a change no other event announced is order.changed.
func (w writeSide) UpdateOrder(ctx context.Context, id string, fn func(*domain.Order) error) (domain.Order, error) {
	var after domain.Order
	err := w.em.InTx(ctx, func(ctx context.Context) error {
		ctx, n := withNote(ctx)
		var before domain.Order
		var err error
		after, err = w.Repository.UpdateOrder(ctx, id, func(o *domain.Order) error {
			before = *o
			before.Items = slices.Clone(o.Items)
			return fn(o)
		})
		if err != nil || n.published() > 0 || reflect.DeepEqual(before, after) {
			return err
		}
		return w.em.Emit(ctx, OrderChanged, id, map[string]string{"orderId": id}, after)
	})
	return after, err
}

// Announce publishes the event of the order's current status again (the
// reconciler's repair). It takes the order's lock first, with an update that
// changes nothing, so that no change commits between the state it reads and
// the version it counts: a newer version always carries a state at least as new.
func (w writeSide) Announce(ctx context.Context, id string) (domain.Order, error) {
	var o domain.Order
	err := w.em.InTx(ctx, func(ctx context.Context) error {
		if _, err := w.Repository.UpdateOrder(ctx, id, func(*domain.Order) error { return nil }); err != nil {
			return err
		}
		var err error
		o, err = w.Repository.(ordering.Announcer).Announce(ctx, id)
		return err
	})
	return o, err
}

// openWriteSide is the base's Async.OrderingStore: the version table, and the
// store decorated with versioned events.
func openWriteSide(ctx context.Context, db *store.DB, em messaging.Emitter) (ordering.Repository, error) {
	if err := migrateWrite(ctx, db); err != nil {
		return nil, err
	}
	em.Tx = versioning{db: db, next: em.Tx}
	return writeSide{Repository: events.Ordering(store.NewOrders(db), em), em: em}, nil
}

// stampVersions is the middleware of ordering's write side: each successful
// answer about an order carries the order's version after the request
// (VersionHeader), the one its events gave or, for a request that published
// none, the one the write side holds. The reads of the read model carry their
// own version in the body instead.
func stampVersions(db *store.DB) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !strings.HasPrefix(c.FullPath(), "/api/orders") || isQuery(c) {
			c.Next()
			return
		}
		ctx, n := withNote(c.Request.Context())
		c.Request = c.Request.WithContext(ctx)
		c.Writer = &versionWriter{ResponseWriter: c.Writer, stamp: func(w gin.ResponseWriter) {
			if w.Status() >= 300 {
				return
			}
			id, v := n.last()
			if v == 0 {
				if id = c.Param("orderId"); id == "" {
					return
				}
				var err error
				if v, err = currentVersion(context.WithoutCancel(ctx), db, id); err != nil || v == 0 {
					return
				}
			}
			w.Header().Set(VersionHeader, strconv.Itoa(v))
		}}
		c.Next()
	}
}

// isQuery reports whether the request is one of the reads the read model answers.
func isQuery(c *gin.Context) bool {
	p := c.FullPath()
	return c.Request.Method == "GET" && (p == "/api/orders" || p == "/api/orders/:orderId")
}

// versionWriter sets the version header just before the answer's head goes out.
type versionWriter struct {
	gin.ResponseWriter
	once  sync.Once
	stamp func(gin.ResponseWriter)
}

func (w *versionWriter) before() { w.once.Do(func() { w.stamp(w.ResponseWriter) }) }

func (w *versionWriter) WriteHeaderNow() { w.before(); w.ResponseWriter.WriteHeaderNow() }

func (w *versionWriter) Write(b []byte) (int, error) { w.before(); return w.ResponseWriter.Write(b) }

func (w *versionWriter) WriteString(s string) (int, error) {
	w.before()
	return w.ResponseWriter.WriteString(s)
}
