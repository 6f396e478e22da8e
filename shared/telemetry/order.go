package telemetry

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/baggage"

	"github.com/microservice-patterns/lab/shared/domain"
)

// OrderKey names the order a request or a message is about: the attribute of
// spans (lab.order_id) and the baggage member that carries it from service to
// service.
const OrderKey = "lab.order_id"

// WithOrderID returns ctx carrying the order id in its baggage, which the W3C
// baggage propagation (Propagator) sends along with each outbound call.
func WithOrderID(ctx context.Context, id string) context.Context {
	if !domain.ValidID(id) {
		return ctx
	}
	m, err := baggage.NewMember(OrderKey, id)
	if err != nil {
		return ctx
	}
	b, err := baggage.FromContext(ctx).SetMember(m)
	if err != nil {
		return ctx
	}
	return baggage.ContextWithBaggage(ctx, b)
}

// OrderID returns the order id ctx carries, or "".
func OrderID(ctx context.Context) string {
	return baggage.FromContext(ctx).Member(OrderKey).Value()
}

// RequestOrderID returns the order a request names: in its path
// (/api/orders/{id}…), its orderId query parameter, or its baggage; "" when none.
func RequestOrderID(r *http.Request) string {
	if id := PathOrderID(r.URL.Path); id != "" {
		return id
	}
	if id := r.URL.Query().Get("orderId"); domain.ValidID(id) {
		return id
	}
	return OrderID(r.Context())
}

// PathOrderID returns the order id of a path under /api/orders/ (a Location
// header's too), or "".
func PathOrderID(path string) string {
	rest, ok := strings.CutPrefix(path, "/api/orders/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	if !domain.ValidID(id) {
		return ""
	}
	return id
}

// EventOrderID returns the order an event is about: the subject of an order's
// event, else the orderId of its data; "" when none.
func EventOrderID(typ, subject string, data []byte) string {
	if strings.HasPrefix(typ, "order.") && domain.ValidID(subject) {
		return subject
	}
	var ids struct {
		OrderID string `json:"orderId"`
	}
	if len(data) > 0 && json.Unmarshal(data, &ids) == nil && domain.ValidID(ids.OrderID) {
		return ids.OrderID
	}
	return ""
}
