package messaging_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/messaging"
)

func TestNewEvent(t *testing.T) {
	ev, err := messaging.NewEvent("/ordering", messaging.OrderCreated, "o-1", map[string]string{"orderId": "o-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !domain.ValidID(ev.ID) {
		t.Errorf("id: got %q, want a UUID", ev.ID)
	}
	if ev.SpecVersion != "1.0" || ev.DataContentType != "application/json" {
		t.Errorf("got specversion %q, datacontenttype %q", ev.SpecVersion, ev.DataContentType)
	}
	if ev.Time.Location() != time.UTC || time.Since(ev.Time) > time.Minute {
		t.Errorf("time: got %v, want UTC now", ev.Time)
	}
	var data struct{ OrderID string }
	if err := ev.DecodeData(&data); err != nil || data.OrderID != "o-1" {
		t.Errorf("data: got %+v, %v", data, err)
	}
	if _, err := messaging.NewEvent("/ordering", messaging.OrderCreated, "o-1", func() {}); err == nil {
		t.Error("undecodable data: got no error")
	}
}

func TestEvent_jsonRoundTrip(t *testing.T) {
	ev, err := messaging.NewEvent("/billing", messaging.InvoiceIssued, "o-2", map[string]int{"amount": 1200})
	if err != nil {
		t.Fatal(err)
	}
	body, err := ev.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data"} {
		if _, ok := fields[name]; !ok {
			t.Errorf("the document has no %q: %s", name, body)
		}
	}
	got, err := messaging.ParseEvent(body)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(ev.Time) || got.ID != ev.ID || string(got.Data) != string(ev.Data) {
		t.Errorf("got %+v, want %+v", got, ev)
	}
}

func TestParseEvent_rejects(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":          `{"id":`,
		"a JSON array":      `[1, 2]`,
		"no id":             `{"specversion":"1.0","source":"/x","type":"order.created"}`,
		"no type":           `{"specversion":"1.0","id":"1","source":"/x"}`,
		"no source":         `{"specversion":"1.0","id":"1","type":"order.created"}`,
		"another version":   `{"specversion":"0.3","id":"1","source":"/x","type":"order.created"}`,
		"no specversion":    `{"id":"1","source":"/x","type":"order.created"}`,
		"a time not a time": `{"specversion":"1.0","id":"1","source":"/x","type":"t","time":"soon"}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := messaging.ParseEvent([]byte(body)); err == nil {
				t.Errorf("ParseEvent(%s): got no error", body)
			}
		})
	}
}

func TestEventTypes(t *testing.T) {
	types := messaging.EventTypes()
	if len(types) != 12 {
		t.Errorf("got %d types, want the 12 of CONTRACT.md", len(types))
	}
	for _, typ := range types {
		if strings.ToLower(typ) != typ || !strings.Contains(typ, ".") {
			t.Errorf("type %q: want lower-case <entity>.<change>", typ)
		}
	}
	if !slices.Contains(types, messaging.ReservationChanged) {
		t.Error("reservation.changed is missing")
	}
}

func TestNames(t *testing.T) {
	n, err := messaging.NewNames("event-notification", "")
	if err != nil {
		t.Fatal(err)
	}
	composed, err := messaging.NewNames("event-notification+retry", "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := messaging.NewNames("event-notification", "r1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ got, want string }{
		{n.Exchange(), "lab.event-notification.events"},
		{n.Queue("billing"), "lab.event-notification.billing"},
		{n.DeadLetterExchange("billing"), "lab.event-notification.billing.dlx"},
		{n.DeadLetterQueue("billing"), "lab.event-notification.billing.dlq"},
		{r.Exchange(), "lab.event-notification.r1.events"},
		{r.Queue("ordering"), "lab.event-notification.r1.ordering"},
		{composed.Exchange(), "lab.event-notification+retry.events"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	for _, bad := range [][2]string{{"", ""}, {"Rest", ""}, {"rest", "a.b"}, {"re st", ""}, {"rest+", ""}, {"+retry", ""}, {"rest", "a+b"}} {
		if _, err := messaging.NewNames(bad[0], bad[1]); err == nil {
			t.Errorf("NewNames(%q, %q): got no error", bad[0], bad[1])
		}
	}
}

func TestRetryable(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"marked", messaging.Retryable(domain.Errorf(domain.CodeInvalid, "x")), true},
		{"transient domain code", domain.Errorf(domain.CodeUnavailable, "down"), true},
		{"permanent domain code", domain.Errorf(domain.CodeConflict, "no"), false},
		{"plain error", errors.New("boom"), false},
	} {
		if got := messaging.IsRetryable(c.err); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	if messaging.Retryable(nil) != nil {
		t.Error("Retryable(nil): want nil")
	}
}
