package cqrs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/store"
)

// LagHeader carries, on each read of the read model, its lag: how long the
// last event it applied took from being published (the write side's commit)
// to being applied, in seconds. 0 before the first event.
const LagHeader = "X-Read-Model-Lag"

// OrderView is an order as the read model answers it: the order as its
// version left it (updatedAt is the write side's time of that version), with
// its shipment and its invoice once they exist.
type OrderView struct {
	domain.Order
	// Version is the write side's version of the order this row shows.
	Version  int           `json:"version"`
	Shipment *ShipmentView `json:"shipment,omitempty"`
	Invoice  *InvoiceView  `json:"invoice,omitempty"`
}

// ShipmentView is the part of an order's row its shipment keeps.
type ShipmentView struct {
	ShipmentID string                `json:"shipmentId"`
	Status     domain.ShipmentStatus `json:"status"`
	ShippedAt  *time.Time            `json:"shippedAt,omitempty"`
}

// InvoiceView is the part of an order's row its invoice keeps.
type InvoiceView struct {
	InvoiceID string               `json:"invoiceId"`
	Status    domain.InvoiceStatus `json:"status"`
	Amount    int64                `json:"amount"`
}

// View is the query side: the projector, the queries over its rows, and the
// measure of its lag.
type View struct {
	db  *store.DB
	pr  *Projector
	lag *lagWindow
}

// NewView returns the read model over db, whose tables MigrateView created.
func NewView(db *store.DB) *View {
	return &View{db: db, pr: NewProjector(db), lag: newLagWindow(4096)}
}

// Projector returns the view's projector.
func (v *View) Projector() *Projector { return v.pr }

// Handle applies a consumed event and measures the lag it had.
func (v *View) Handle(ctx context.Context, ev messaging.Event) error {
	if err := v.pr.Handle(ctx, ev); err != nil {
		return err
	}
	v.lag.add(time.Since(ev.Time))
	return nil
}

// Order returns the read model's row of the order, or CodeNotFound when the
// read model has not seen the order (yet).
func (v *View) Order(ctx context.Context, id string) (OrderView, error) {
	list, err := v.query(ctx, " WHERE order_id = ? AND version > 0", []any{id}, "")
	if err != nil {
		return OrderView{}, err
	}
	if len(list) == 0 {
		return OrderView{}, domain.Errorf(domain.CodeNotFound, "no order has id %s (or the read model has not seen it yet)", id)
	}
	return list[0], nil
}

// Orders lists a page of the read model's orders, newest first.
func (v *View) Orders(ctx context.Context, customerID string, status domain.OrderStatus, page domain.Page) ([]OrderView, error) {
	conds, args := []string{"version > 0"}, []any{}
	if customerID != "" {
		conds, args = append(conds, "customer_id = ?"), append(args, customerID)
	}
	if status != "" {
		conds, args = append(conds, "status = ?"), append(args, string(status))
	}
	if page.After != "" {
		conds = append(conds, "(created_at, order_id) < (SELECT created_at, order_id FROM "+liveTable+" WHERE order_id = ?)")
		args = append(args, page.After)
	}
	limit := ""
	if page.Limit > 0 {
		limit = " LIMIT " + strconv.Itoa(page.Limit+1)
	}
	return v.query(ctx, " WHERE "+strings.Join(conds, " AND "), args, " ORDER BY created_at DESC, order_id DESC"+limit)
}

func (v *View) query(ctx context.Context, where string, args []any, tail string) ([]OrderView, error) {
	rows, err := v.db.Q(ctx).QueryContext(ctx, v.db.Rebind("SELECT "+rowColumns+" FROM "+liveTable+where+tail), args...)
	if err != nil {
		return nil, fmt.Errorf("read the read model: %w", err)
	}
	defer rows.Close()
	out := []OrderView{}
	for rows.Next() {
		var r viewRow
		if err := r.scan(rows); err != nil {
			return nil, err
		}
		o, err := r.view()
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// view turns a row into the answer.
func (r viewRow) view() (OrderView, error) {
	o := OrderView{Version: r.Version, Order: domain.Order{OrderID: r.OrderID, CustomerID: r.CustomerID, Name: r.Name,
		Description: r.Description, Status: domain.OrderStatus(r.Status), Total: r.Total, Currency: r.Currency}}
	if err := json.Unmarshal([]byte(r.Items), &o.Items); err != nil {
		return OrderView{}, fmt.Errorf("order %s: items: %w", r.OrderID, err)
	}
	var err error
	if o.CreatedAt, err = time.Parse(time.RFC3339Nano, r.CreatedAt); err != nil {
		return OrderView{}, err
	}
	if o.UpdatedAt, err = time.Parse(time.RFC3339Nano, r.UpdatedAt); err != nil {
		return OrderView{}, err
	}
	if r.ShipmentID != "" {
		o.Shipment = &ShipmentView{ShipmentID: r.ShipmentID, Status: domain.ShipmentStatus(r.ShipmentStatus)}
		if t, err := time.Parse(time.RFC3339Nano, r.ShippedAt); err == nil {
			o.Shipment.ShippedAt = &t
		}
	}
	if r.InvoiceID != "" {
		o.Invoice = &InvoiceView{InvoiceID: r.InvoiceID, Status: domain.InvoiceStatus(r.InvoiceStatus), Amount: r.InvoiceAmount}
	}
	return o, nil
}

// ListOrders answers GET /api/orders from the read model.
func (v *View) ListOrders(c *gin.Context) {
	customerID, status, page, ok := ordering.ListQuery(c)
	if !ok {
		return
	}
	list, err := v.Orders(c.Request.Context(), customerID, status, page)
	v.stampLag(c)
	httpx.ListPage(c, list, err, page, func(o OrderView) string { return o.OrderID })
}

// GetOrder answers GET /api/orders/{orderId} from the read model.
func (v *View) GetOrder(c *gin.Context) {
	id, ok := ordering.CurrentOnly(c)
	if !ok {
		return
	}
	o, err := v.Order(c.Request.Context(), id)
	v.stampLag(c)
	httpx.Respond(c, http.StatusOK, o, err)
}

func (v *View) stampLag(c *gin.Context) {
	c.Header(LagHeader, strconv.FormatFloat(v.lag.last().Seconds(), 'f', 3, 64))
}

// rebuild answers POST /admin/read-model/rebuild: the log replayed into fresh tables.
func (v *View) rebuild(c *gin.Context) {
	res, err := v.pr.Rebuild(c.Request.Context())
	httpx.Respond(c, http.StatusOK, res, err)
}

// LagStats are the read model's lag over its last events.
type LagStats struct {
	Events int     `json:"events"` // events measured (at most the window)
	LastMs float64 `json:"lastMs"`
	P50Ms  float64 `json:"p50Ms"`
	P99Ms  float64 `json:"p99Ms"`
	MaxMs  float64 `json:"maxMs"`
}

// Lag returns the lag over the last events applied.
func (v *View) Lag() LagStats { return v.lag.stats() }

// state is the read model's row in GET /admin/patterns.
func (v *View) state() app.Table {
	s := v.Lag()
	return app.Table{Columns: []string{"consumer", "events", "lag last ms", "lag p50 ms", "lag p99 ms", "lag max ms"},
		Rows: [][]any{{viewConsumer, s.Events, s.LastMs, s.P50Ms, s.P99Ms, s.MaxMs}}}
}

// lagWindow keeps the lag of the last n events.
type lagWindow struct {
	mu   sync.Mutex
	ring []time.Duration
	next int
	full bool
}

func newLagWindow(n int) *lagWindow { return &lagWindow{ring: make([]time.Duration, n)} }

func (w *lagWindow) add(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ring[w.next] = max(d, 0)
	w.next = (w.next + 1) % len(w.ring)
	w.full = w.full || w.next == 0
}

func (w *lagWindow) last() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.full && w.next == 0 {
		return 0
	}
	return w.ring[(w.next+len(w.ring)-1)%len(w.ring)]
}

func (w *lagWindow) stats() LagStats {
	w.mu.Lock()
	n := w.next
	if w.full {
		n = len(w.ring)
	}
	d := slices.Clone(w.ring[:n])
	w.mu.Unlock()
	s := LagStats{Events: n, LastMs: ms(w.last())}
	if n == 0 {
		return s
	}
	slices.Sort(d)
	s.P50Ms, s.P99Ms, s.MaxMs = ms(Quantile(d, 0.50)), ms(Quantile(d, 0.99)), ms(d[n-1])
	return s
}

// Quantile returns the q-quantile of sorted durations (nearest rank).
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }

// viewConsumer names the read model's consumer and queue.
const viewConsumer = "ordering-view"

// viewPath is the read model's SQLite file: beside ordering's, its own.
func viewPath(orderingPath string) string {
	return filepath.Join(filepath.Dir(orderingPath), viewConsumer+".db")
}

// openView is the base's ReadModel.Open: the read model's own database —
// a SQLite file of its own, or with PostgreSQL ORDERING_VIEW_DATABASE_URL,
// by default ordering's database, where its tables sit beside ordering's
// and share none — its tables, and what the wiring needs of it.
func openView(ctx context.Context, p *app.Parts) (*app.Projection, error) {
	url := p.Env("ORDERING_VIEW_DATABASE_URL")
	if url == "" {
		url = p.Config.DatabaseURL
	}
	db, err := store.Open(ctx, url, viewPath(p.Config.SQLitePath), nil)
	if err != nil {
		return nil, fmt.Errorf("open the read model's database: %w", err)
	}
	if err := errors.Join(messaging.Migrate(ctx, db), MigrateView(ctx, db)); err != nil {
		db.Close()
		return nil, err
	}
	v := NewView(db)
	return &app.Projection{
		DB:       db,
		Handle:   v.Handle,
		Queries:  v,
		Commands: stampVersions(p.DB),
		Admin: func(r gin.IRouter) {
			r.POST("/read-model/rebuild", v.rebuild)
			r.GET("/read-model", func(c *gin.Context) { c.JSON(http.StatusOK, v.Lag()) })
		},
		State: v.state,
		Close: db.Close,
	}, nil
}
