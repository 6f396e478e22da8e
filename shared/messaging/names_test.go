package messaging_test

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/messaging"
)

func TestParseName(t *testing.T) {
	for _, c := range []struct {
		name string
		want messaging.Name
		ok   bool
	}{
		{"lab.event-notification.events", messaging.Name{Variant: "event-notification", Kind: messaging.KindExchange}, true},
		{"lab.event-notification.billing", messaging.Name{Variant: "event-notification", Service: "billing", Kind: messaging.KindQueue}, true},
		{"lab.event-notification.billing.dlq", messaging.Name{Variant: "event-notification", Service: "billing", Kind: messaging.KindDeadLetterQueue}, true},
		{"lab.event-notification.billing.dlx", messaging.Name{Variant: "event-notification", Service: "billing", Kind: messaging.KindDeadLetterExchange}, true},
		{"lab.cqrs.smoke-17.events", messaging.Name{Variant: "cqrs", Run: "smoke-17", Kind: messaging.KindExchange}, true},
		{"lab.cqrs.smoke-17.shipping", messaging.Name{Variant: "cqrs", Run: "smoke-17", Service: "shipping", Kind: messaging.KindQueue}, true},
		{"lab.cqrs.t0a1b.warehouse.dlq", messaging.Name{Variant: "cqrs", Run: "t0a1b", Service: "warehouse", Kind: messaging.KindDeadLetterQueue}, true},
		{"lab.cqrs.t0a1b.warehouse.dlx", messaging.Name{Variant: "cqrs", Run: "t0a1b", Service: "warehouse", Kind: messaging.KindDeadLetterExchange}, true},
		{"lab.event-notification+retry+timeout.smoke-1.billing.dlq", messaging.Name{Variant: "event-notification+retry+timeout", Run: "smoke-1", Service: "billing", Kind: messaging.KindDeadLetterQueue}, true},
		{"lab.event-notification+retry.events", messaging.Name{Variant: "event-notification+retry", Kind: messaging.KindExchange}, true},
		{"lab.rest.smoke+1.billing", messaging.Name{}, false}, // "+" only in a variant
		{"lab.rest.smoke-1.bil+ling", messaging.Name{}, false},
		{"lab.+retry.events", messaging.Name{}, false},
		// not the lab's
		{"amq.gen-JzTY20BRgKO-HjmUJj0wLg", messaging.Name{}, false},
		{"amq.topic", messaging.Name{}, false},
		{"", messaging.Name{}, false},
		{"lab.", messaging.Name{}, false},
		{"lab.events", messaging.Name{}, false},
		{"lab.dlq", messaging.Name{}, false},
		{"lab.v.dlq", messaging.Name{}, false},
		{"lab.a.b.c.d", messaging.Name{}, false},
		{"lab.a.b.c.d.dlq", messaging.Name{}, false},
		{"lab.A.billing", messaging.Name{}, false},
		{"lab.v..billing", messaging.Name{}, false},
		{"orders.billing", messaging.Name{}, false},
	} {
		got, ok := messaging.ParseName(c.name)
		if ok != c.ok || got != c.want {
			t.Errorf("ParseName(%q) = %+v, %v; want %+v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

// TestParseName_roundTrip: every name Names makes parses back to its parts.
func TestParseName_roundTrip(t *testing.T) {
	for _, run := range []string{"", "compare-1712345678901234567", "t9f8e7d6c5b"} {
		n, err := messaging.NewNames("event-carried-state-transfer+retry", run)
		if err != nil {
			t.Fatal(err)
		}
		if n.Variant() != "event-carried-state-transfer+retry" || n.RunID() != run {
			t.Errorf("Variant, RunID = %q, %q", n.Variant(), n.RunID())
		}
		want := map[string]messaging.Name{
			n.Exchange():                      {Kind: messaging.KindExchange},
			n.Queue("billing"):                {Service: "billing", Kind: messaging.KindQueue},
			n.DeadLetterQueue("billing"):      {Service: "billing", Kind: messaging.KindDeadLetterQueue},
			n.DeadLetterExchange("warehouse"): {Service: "warehouse", Kind: messaging.KindDeadLetterExchange},
		}
		for name, w := range want {
			w.Variant, w.Run = n.Variant(), run
			if got, ok := messaging.ParseName(name); !ok || got != w {
				t.Errorf("ParseName(%q) = %+v, %v; want %+v", name, got, ok, w)
			}
		}
	}
}
