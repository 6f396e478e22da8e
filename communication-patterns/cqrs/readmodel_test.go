package cqrs

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/asynctest"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/gateway"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// getJSON GETs url and decodes its 200 answer into out, returning the headers.
func getJSON(t *testing.T, method, url string, out any) http.Header {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: got %d, want 200: %s", method, url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("%s %s: decode %s: %v", method, url, body, err)
	}
	return resp.Header
}

// TestReadModel runs an order through the variant and looks at its read
// side: the reads say their version and lag, the write side its versions,
// /api/lab/info and /admin/patterns tell of the read model, a late or
// repeated event does not move the view back, a poison message is
// dead-lettered from the read model's queue, and a rebuild from the log gives
// the rows the consumer kept.
func TestReadModel(t *testing.T) {
	v := app.MustCompose(Base)
	run := asynctest.NewRun(t, v, asynctest.Broker(t))
	s, st := acceptance.Start(t, v, acceptance.Options{Stack: run.Options})
	ordering := st.Services["ordering"]

	var info gateway.LabInfo
	getJSON(t, http.MethodGet, st.URL+"/api/lab/info", &info)
	if !info.Features.ReadModel || info.Features.History {
		t.Errorf("/api/lab/info features: got %+v, want readModel and no history", info.Features)
	}

	o := s.CreateOrder(acceptance.SeedCustomerID)
	s.AddItem(o.OrderID, warehouse.Seed[3].ProductID, 1)
	s.API().Post("/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, nil)
	done := s.WaitOrder(o.OrderID, domain.OrderCompleted)

	var view OrderView
	acceptance.Eventually(t, 10*time.Second, "the row to hold the shipment and the invoice", func() bool {
		h := getJSON(t, http.MethodGet, st.URL+"/api/orders/"+o.OrderID, &view)
		if lag, err := strconv.ParseFloat(h.Get(LagHeader), 64); err != nil || lag < 0 {
			t.Fatalf("%s: got %q, want seconds", LagHeader, h.Get(LagHeader))
		}
		return view.Shipment != nil && view.Invoice != nil
	})
	if view.Version < 4 || view.Status != domain.OrderCompleted || view.Invoice.Amount != done.Total ||
		view.Shipment.Status != domain.ShipmentShipped {
		t.Errorf("the row: got %+v, want a COMPLETED order at version 4 or more, shipped, invoiced for %d", view, done.Total)
	}

	var states gateway.ServiceStates
	getJSON(t, http.MethodGet, ordering+"/admin/patterns", &states)
	if len(states.Patterns) != 1 || states.Patterns[0].Pattern != "read-model" || states.Patterns[0].Rows[0][1].(float64) < 1 {
		t.Errorf("ordering's /admin/patterns: got %+v, want the read model's lag over its events", states)
	}

	// A late event (version 1 of the order, CANCELED), twice, and a poison one,
	// of a type no service but the read model handles.
	late := view.Order
	late.Status, late.Items, late.Total = domain.OrderCanceled, []domain.OrderItem{}, 0
	stale, err := messaging.NewEvent("/ordering", OrderChanged, o.OrderID, orderData{Order: late, Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	poison := `{"specversion":"1.0","id":"` + domain.NewID() + `","source":"/test","type":"order.changed","data":{"orderId":"` + o.OrderID + `"}}`
	conn, err := amqp.Dial(run.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := stale.Marshal()
	for _, m := range [][]byte{body, body, []byte(poison)} {
		if err := ch.PublishWithContext(t.Context(), run.Names.Exchange(), OrderChanged, false, false,
			amqp.Publishing{ContentType: messaging.ContentType, DeliveryMode: amqp.Persistent, Body: m}); err != nil {
			t.Fatal(err)
		}
	}
	// The queue is handled in order: once a later order shows, they were handled.
	drain := s.CreateOrder(acceptance.SeedCustomerID)
	s.Order(drain.OrderID)
	var after OrderView
	getJSON(t, http.MethodGet, st.URL+"/api/orders/"+o.OrderID, &after)
	if after.Version != view.Version || after.Status != domain.OrderCompleted {
		t.Errorf("after a late event: got version %d %s, want version %d COMPLETED", after.Version, after.Status, view.Version)
	}
	// order.changed is bound to the read model's queue alone: its dead letters are its own.
	acceptance.Eventually(t, 10*time.Second, "the poison message in the read model's dead letters", func() bool {
		msg, ok, err := ch.Get(run.Names.DeadLetterQueue(viewConsumer), true)
		if err != nil {
			t.Fatal(err)
		}
		return ok && strings.Contains(string(msg.Body), `"source":"/test"`)
	})

	var res RebuildResult
	getJSON(t, http.MethodPost, ordering+"/admin/read-model/rebuild", &res)
	if !res.Identical || res.Orders < 2 || res.Events < 8 {
		t.Errorf("rebuild: got %+v, want identical rows of at least 2 orders from at least 8 events", res)
	}
	var rebuilt OrderView
	getJSON(t, http.MethodGet, st.URL+"/api/orders/"+o.OrderID, &rebuilt)
	if a, b := jsonOf(t, rebuilt), jsonOf(t, after); a != b {
		t.Errorf("after the rebuild:\n%s\nbefore:\n%s", a, b)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
