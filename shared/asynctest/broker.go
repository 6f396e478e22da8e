package asynctest

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// duplicates publishes every event of a completed order twice more, with the
// same ids, as a relay that lost its confirms would: nothing changes.
func duplicates(t *testing.T, fs *faultStack, s *acceptance.Suite) {
	orderID, events := fs.orderFlow(t, s, warehouse.Seed[7].ProductID)
	if len(events) < 8 {
		t.Fatalf("the tap saw %d events of the flow, want at least 8", len(events))
	}
	before := fingerprint(s, orderID)
	ch := fs.channel(t)
	for range 2 {
		for _, ev := range events {
			body, err := ev.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			fs.publish(t, ch, ev.Type, ev.ID, body)
		}
	}
	fs.drain(t, s)
	if after := fingerprint(s, orderID); after != before {
		t.Errorf("duplicates changed the data:\nbefore %s\nafter  %s", before, after)
	}
}

// fingerprint summarises what a duplicate must leave unchanged.
func fingerprint(s *acceptance.Suite, orderID string) string {
	o := s.Order(orderID)
	out := fmt.Sprintf("order %s %s %d items, updated %s;", o.Status, o.OrderID, len(o.Items), o.UpdatedAt.Format(time.RFC3339Nano))
	for _, it := range o.Items {
		out += fmt.Sprintf(" stock %s=%d;", it.ProductID, s.Product(it.ProductID).Stock)
	}
	for _, r := range s.Reservations(orderID) {
		out += fmt.Sprintf(" reservation %s %s;", r.ReservationID, r.Status)
	}
	return out + fmt.Sprintf(" shipments %d; invoices %d", len(s.Shipments(orderID)), len(s.Invoices(orderID)))
}

// malformed publishes a body that is no event and an event whose data names
// no order: the warehouse dead-letters both, with the reason, and goes on.
func malformed(t *testing.T, fs *faultStack, s *acceptance.Suite) {
	ch := fs.channel(t)
	typ := fs.warehouseType(t)
	fs.publish(t, ch, typ, "not-an-event", []byte(`{"specversion": "1.0", "id":`))
	fs.publish(t, ch, typ, "no-such-order", []byte(`{"specversion":"1.0","id":"no-such-order",`+
		`"source":"/test","type":"order.item-added","data":{"orderId":"no-such-order","itemId":"none"}}`))
	dlq := fs.run.Names.DeadLetterQueue("warehouse")
	var dead []amqp.Delivery
	acceptance.Eventually(t, 30*time.Second, "two dead letters in "+dlq, func() bool {
		d, ok, err := ch.Get(dlq, true)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			dead = append(dead, d)
		}
		return len(dead) == 2
	})
	for _, d := range dead {
		if reason, _ := d.Headers[messaging.HeaderError].(string); reason == "" {
			t.Errorf("dead letter %s has no %s header", d.MessageId, messaging.HeaderError)
		}
	}
	o := s.CreateOrder(acceptance.SeedCustomerID)
	s.AddItem(o.OrderID, warehouse.Seed[8].ProductID, 1)
	s.API().Post("/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, nil)
	s.WaitOrder(o.OrderID, domain.OrderCompleted)
}

// channel opens a plain AMQP channel on the broker, past the proxy.
func (fs *faultStack) channel(t *testing.T) *amqp.Channel {
	t.Helper()
	conn, err := amqp.Dial(fs.run.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// publish sends body to the run's exchange as a persistent message of type typ.
// warehouseType is a routing key that reaches the warehouse's queue:
// order.item-added where the warehouse reacts to it, else the first type it handles
// (a command of messaging).
func (fs *faultStack) warehouseType(t *testing.T) string {
	t.Helper()
	topology, err := fs.v.Base.Async.Topology()
	if err != nil {
		t.Fatal(err)
	}
	types := topology["warehouse"]
	if len(types) == 0 || slices.Contains(types, messaging.OrderItemAdded) {
		return messaging.OrderItemAdded
	}
	return types[0]
}

func (fs *faultStack) publish(t *testing.T, ch *amqp.Channel, typ, id string, body []byte) {
	t.Helper()
	err := ch.PublishWithContext(t.Context(), fs.run.Names.Exchange(), typ, false, false, amqp.Publishing{
		ContentType: messaging.ContentType, DeliveryMode: amqp.Persistent, MessageId: id, Type: typ, Body: body})
	if err != nil {
		t.Fatal(err)
	}
}

// drain runs one more order through every consumer's queue: each queue is
// handled in order, so once that order is COMPLETED with its reservations
// CONFIRMED, whatever was published before it has been handled.
func (fs *faultStack) drain(t *testing.T, s *acceptance.Suite) {
	t.Helper()
	o := s.CreateOrder(acceptance.SeedCustomerID)
	s.AddItem(o.OrderID, warehouse.Seed[9].ProductID, 1)
	s.API().Post("/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, nil)
	s.WaitOrder(o.OrderID, domain.OrderCompleted)
	acceptance.Eventually(t, 30*time.Second, "the reservations of the draining order to be CONFIRMED", func() bool {
		rs := s.Reservations(o.OrderID)
		return len(rs) == 1 && rs[0].Status == domain.ReservationConfirmed
	})
}
