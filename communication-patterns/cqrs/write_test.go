package cqrs

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/ordering"
	"github.com/microservice-patterns/lab/shared/store"
	"github.com/microservice-patterns/lab/shared/store/storetest"
)

// recorder keeps the events ordering publishes, in the transaction's database.
type recorder struct {
	db  *store.DB
	mu  sync.Mutex
	evs []messaging.Event
}

func (r *recorder) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return r.db.InTx(ctx, fn)
}

func (r *recorder) Publish(_ context.Context, ev messaging.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
	return nil
}

type anyCustomer struct{}

func (anyCustomer) Customer(_ context.Context, id string) (domain.Customer, error) {
	return domain.Customer{CustomerID: id, Name: "c"}, nil
}

type anyProduct struct{}

func (anyProduct) Product(_ context.Context, id string) (domain.Product, error) {
	return domain.Product{ProductID: id, Code: "P", Name: "p", Stock: 10, Price: 250, Currency: domain.Currency}, nil
}

// writeStack is ordering's write side over a SQLite file, its events
// recorded, and routes whose reads come from a read model that no consumer
// feeds: the test hands it the events itself, or not.
type writeStack struct {
	core *ordering.Choreography
	db   *store.DB
	rec  *recorder
	view *View
	vdb  *store.DB
	h    http.Handler
}

func newWriteStack(t *testing.T) *writeStack {
	t.Helper()
	ctx := context.Background()
	db := storetest.SQLite(t, "ordering")
	rec := &recorder{db: db}
	repo, err := openWriteSide(ctx, db, messaging.Emitter{Source: "/ordering", Style: messaging.Fat, Tx: rec})
	if err != nil {
		t.Fatal(err)
	}
	core, err := ordering.NewChoreography(repo, ordering.Ports{Customers: anyCustomer{}, Catalog: anyProduct{}})
	if err != nil {
		t.Fatal(err)
	}
	vdb, view := openViewDB(t)
	gin.SetMode(gin.TestMode)
	e := gin.New()
	e.Use(stampVersions(db))
	ordering.Routes(e, core, ordering.WithQueries(view))
	return &writeStack{core: core, db: db, rec: rec, view: view, vdb: vdb, h: e}
}

// do sends a request and returns its status, its version header and its body.
func (w *writeStack) do(t *testing.T, method, path, body string) (int, int, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rr := httptest.NewRecorder()
	w.h.ServeHTTP(rr, req)
	v := 0
	if h := rr.Header().Get(VersionHeader); h != "" {
		var err error
		if v, err = strconv.Atoi(h); err != nil {
			t.Fatalf("%s %s: %s %q", method, path, VersionHeader, h)
		}
	}
	return rr.Code, v, rr.Body.Bytes()
}

// TestCommandsBeforeTheView: every command works on an order the read model
// has never seen (the write side reads only its own tables), each answers
// with the state it accepted and the version it gave the order, and once the
// events reach the read model it shows the last of them.
func TestCommandsBeforeTheView(t *testing.T) {
	w := newWriteStack(t)
	code, v, body := w.do(t, http.MethodPost, "/api/orders", `{"customerId":"`+domain.NewID()+`"}`)
	var o domain.Order
	if err := json.Unmarshal(body, &o); code != http.StatusCreated || v != 1 || err != nil || o.Status != domain.OrderOpen {
		t.Fatalf("create: got %d, version %d, %s; want 201, version 1, an OPEN order", code, v, body)
	}
	orderPath := "/api/orders/" + o.OrderID
	if code, _, _ := w.do(t, http.MethodGet, orderPath, ""); code != http.StatusNotFound {
		t.Fatalf("the read model has not seen the order: got %d, want 404", code)
	}
	code, v, body = w.do(t, http.MethodPost, orderPath+"/items", `{"productId":"`+domain.NewID()+`","quantity":2}`)
	var it domain.OrderItem
	if err := json.Unmarshal(body, &it); code != http.StatusCreated || v != 2 || err != nil || it.Status != domain.ItemPending {
		t.Fatalf("add an item: got %d, version %d, %s; want 201, version 2, a PENDING item", code, v, body)
	}
	// The warehouse's answer: a change of the order no contract event names.
	if err := w.core.RecordReservation(context.Background(), domain.Reservation{ReservationID: domain.NewID(),
		OrderID: o.OrderID, ItemID: it.ItemID, Status: domain.ReservationReserved, UnitPrice: 250}); err != nil {
		t.Fatal(err)
	}
	if code, v, _ = w.do(t, http.MethodGet, orderPath+"/items/"+it.ItemID, ""); code != http.StatusOK || v != 3 {
		t.Fatalf("read the item on the write side: got %d, version %d; want 200, version 3", code, v)
	}
	if code, v, _ = w.do(t, http.MethodDelete, orderPath+"/items/"+it.ItemID, ""); code != http.StatusOK || v != 4 {
		t.Fatalf("remove the item: got %d, version %d; want 200, version 4", code, v)
	}
	if code, _, body = w.do(t, http.MethodPost, orderPath+"/confirm", ""); code != http.StatusConflict {
		t.Fatalf("confirm an order without items: got %d, want 409: %s", code, body)
	}
	code, v, body = w.do(t, http.MethodPost, orderPath+"/cancel", "")
	if err := json.Unmarshal(body, &o); code != http.StatusOK || v != 5 || err != nil || o.Status != domain.OrderCanceled {
		t.Fatalf("cancel: got %d, version %d, %s; want 200, version 5, CANCELED", code, v, body)
	}
	if code, _, _ := w.do(t, http.MethodGet, "/api/orders", ""); code != http.StatusOK {
		t.Fatalf("list: got %d", code)
	}

	types := []string{}
	for i, ev := range w.rec.evs {
		var d orderData
		if err := ev.DecodeData(&d); err != nil || d.Version != i+1 {
			t.Errorf("event %d (%s): version %d (%v), want %d", i, ev.Type, d.Version, err, i+1)
		}
		types = append(types, ev.Type)
	}
	want := []string{messaging.OrderCreated, messaging.OrderItemAdded, OrderChanged, messaging.OrderItemRemoved, messaging.OrderCanceled}
	if strings.Join(types, " ") != strings.Join(want, " ") {
		t.Errorf("events: got %v, want %v", types, want)
	}
	mustHandle(t, w.vdb, w.view, w.rec.evs...)
	code, _, body = w.do(t, http.MethodGet, orderPath, "")
	var got OrderView
	if err := json.Unmarshal(body, &got); code != http.StatusOK || err != nil || got.Version != 5 ||
		got.Status != domain.OrderCanceled || got.UpdatedAt != o.UpdatedAt {
		t.Errorf("the read model after the events: got %d %s, want version 5, CANCELED, as the write side answered", code, body)
	}
}

// TestReadsRefuseHistory: the read model keeps the current state only.
func TestReadsRefuseHistory(t *testing.T) {
	w := newWriteStack(t)
	for _, q := range []string{"?version=1", "?asOf=2025-01-01T00:00:00Z", "?version=x"} {
		if code, _, _ := w.do(t, http.MethodGet, "/api/orders/"+domain.NewID()+q, ""); code != http.StatusBadRequest {
			t.Errorf("GET %s: got %d, want 400", q, code)
		}
	}
	if code, _, _ := w.do(t, http.MethodGet, "/api/orders?status=LOST", ""); code != http.StatusBadRequest {
		t.Errorf("a bad status filter: got %d, want 400", code)
	}
}

// TestAnnounceCountsAVersion: the reconciler's repair announces the order's
// current state again at a new version, which the read model takes.
func TestAnnounceCountsAVersion(t *testing.T) {
	w := newWriteStack(t)
	_, _, body := w.do(t, http.MethodPost, "/api/orders", `{"customerId":"`+domain.NewID()+`"}`)
	var o domain.Order
	if err := json.Unmarshal(body, &o); err != nil {
		t.Fatal(err)
	}
	w.do(t, http.MethodPost, "/api/orders/"+o.OrderID+"/cancel", "")
	ctx := context.Background()
	repo, err := openWriteSide(ctx, w.db, messaging.Emitter{Source: "/ordering", Style: messaging.Fat, Tx: w.rec})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.(ordering.Announcer).Announce(ctx, o.OrderID); err != nil {
		t.Fatal(err)
	}
	last := w.rec.evs[len(w.rec.evs)-1]
	var d orderData
	if err := last.DecodeData(&d); err != nil || last.Type != messaging.OrderCanceled || d.Version != 3 || d.Status != domain.OrderCanceled {
		t.Fatalf("announced: %s version %d %s (%v), want order.canceled at version 3", last.Type, d.Version, d.Status, err)
	}
	mustHandle(t, w.vdb, w.view, w.rec.evs...)
	if got, err := w.view.Order(ctx, o.OrderID); err != nil || got.Version != 3 || got.Status != domain.OrderCanceled {
		t.Errorf("the read model: got version %d %s (%v), want version 3 CANCELED", got.Version, got.Status, err)
	}
}
