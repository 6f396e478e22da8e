package eventsourcing

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
)

// The types of the events in an order's stream. They are ordering's own
// record of what happened, finer than the events it publishes (an item's
// outcome is here, the contract leaves it to reservation.changed), and never
// leave the service: the store publishes the contract's events beside them.
const (
	OrderOpened    = "OrderOpened"
	ItemAdded      = "ItemAdded"
	ItemReserved   = "ItemReserved"
	ItemRejected   = "ItemRejected"
	ItemCanceled   = "ItemCanceled"
	OrderConfirmed = "OrderConfirmed"
	OrderCanceled  = "OrderCanceled"
	OrderShipped   = "OrderShipped"
	OrderCompleted = "OrderCompleted"
)

// schemaVersions is the version of each type's data that the fold reads and
// the store writes. A type whose data changes shape gets a new version and an
// upcaster from the one before; events already stored keep their version and
// are brought up to date as they are read.
var schemaVersions = map[string]int{
	OrderOpened: 1, ItemAdded: 2, ItemReserved: 1, ItemRejected: 1, ItemCanceled: 1,
	OrderConfirmed: 1, OrderCanceled: 1, OrderShipped: 1, OrderCompleted: 1,
}

// upcasters turn the data of a type's version n into version n+1, keyed by
// type, then by n.
var upcasters = map[string]map[int]func(json.RawMessage) (json.RawMessage, error){
	ItemAdded: {1: itemAddedV1toV2},
}

// The data of each type, at its current version.
type (
	opened struct {
		CustomerID  string `json:"customerId"`
		Name        string `json:"name"`
		Description string `json:"description"`
		Currency    string `json:"currency"`
	}
	// itemAdded is version 2: version 1 had price, and no currency.
	itemAdded struct {
		ItemID    string `json:"itemId"`
		ProductID string `json:"productId"`
		Quantity  int    `json:"quantity"`
		UnitPrice int64  `json:"unitPrice"`
		Currency  string `json:"currency"`
	}
	itemOutcome struct {
		ItemID        string `json:"itemId"`
		ReservationID string `json:"reservationId"`
		UnitPrice     int64  `json:"unitPrice,omitempty"` // ItemReserved: the price the warehouse reserved at
	}
	itemRef struct {
		ItemID string `json:"itemId"`
	}
	noData struct{}
)

// itemAddedV1 is the data ItemAdded had in version 1.
type itemAddedV1 struct {
	ItemID    string `json:"itemId"`
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
	Price     int64  `json:"price"`
}

// itemAddedV1toV2 renames price to unitPrice and adds the currency, which
// version 1 left implicit: the lab has only ever used one.
func itemAddedV1toV2(raw json.RawMessage) (json.RawMessage, error) {
	var v1 itemAddedV1
	if err := json.Unmarshal(raw, &v1); err != nil {
		return nil, err
	}
	return json.Marshal(itemAdded{ItemID: v1.ItemID, ProductID: v1.ProductID, Quantity: v1.Quantity,
		UnitPrice: v1.Price, Currency: domain.Currency})
}

// record is one event of a stream, its data at the current schema version.
type record struct {
	Version    int
	Type       string
	Schema     int // the version Data is in
	Stored     int // the version it was stored in
	Data       json.RawMessage
	RecordedAt time.Time
}

// upcast brings the data of a stored event to its type's current version.
func upcast(typ string, stored int, data json.RawMessage) (json.RawMessage, int, error) {
	current, ok := schemaVersions[typ]
	if !ok {
		return nil, 0, fmt.Errorf("unknown event type %q", typ)
	}
	if stored > current {
		return nil, 0, fmt.Errorf("%s version %d is newer than this build reads (%d)", typ, stored, current)
	}
	for v := stored; v < current; v++ {
		up := upcasters[typ][v]
		if up == nil {
			return nil, 0, fmt.Errorf("no upcaster of %s from version %d", typ, v)
		}
		var err error
		if data, err = up(data); err != nil {
			return nil, 0, fmt.Errorf("upcast %s from version %d: %w", typ, v, err)
		}
	}
	return data, current, nil
}

// fold applies events to an order, in order: the order's state is nothing but this.
func fold(o domain.Order, events []record) (domain.Order, error) {
	o.Items = slices.Clone(o.Items)
	for _, ev := range events {
		if err := apply(&o, ev); err != nil {
			return domain.Order{}, fmt.Errorf("order %s, version %d (%s): %w", o.OrderID, ev.Version, ev.Type, err)
		}
	}
	return o, nil
}

// apply changes o as one event says.
func apply(o *domain.Order, ev record) error {
	item := func() (*domain.OrderItem, error) {
		var ref itemRef
		if err := json.Unmarshal(ev.Data, &ref); err != nil {
			return nil, err
		}
		it := o.Item(ref.ItemID)
		if it == nil {
			return nil, fmt.Errorf("no item %s", ref.ItemID)
		}
		return it, nil
	}
	switch ev.Type {
	case OrderOpened:
		var d opened
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		o.CustomerID, o.Name, o.Description, o.Currency = d.CustomerID, d.Name, d.Description, d.Currency
		o.Status, o.CreatedAt = domain.OrderOpen, ev.RecordedAt
	case ItemAdded:
		var d itemAdded
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		o.Items = append(o.Items, domain.OrderItem{ItemID: d.ItemID, ProductID: d.ProductID, Quantity: d.Quantity,
			UnitPrice: d.UnitPrice, Status: domain.ItemPending})
	case ItemReserved, ItemRejected:
		var d itemOutcome
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		it, err := item()
		if err != nil {
			return err
		}
		it.Status, it.ReservationID = domain.ItemRejected, d.ReservationID
		if ev.Type == ItemReserved {
			it.Status, it.UnitPrice = domain.ItemReserved, d.UnitPrice
		}
	case ItemCanceled:
		it, err := item()
		if err != nil {
			return err
		}
		it.Status = domain.ItemCanceled
	case OrderConfirmed, OrderCanceled, OrderShipped, OrderCompleted:
		o.Status = statusOf[ev.Type]
	default:
		return fmt.Errorf("unknown event type %q", ev.Type)
	}
	o.UpdatedAt = ev.RecordedAt
	o.Recalculate()
	return nil
}

// statusOf is the status each status event moves an order to; eventOf the reverse.
var (
	statusOf = map[string]domain.OrderStatus{
		OrderConfirmed: domain.OrderConfirmed, OrderCanceled: domain.OrderCanceled,
		OrderShipped: domain.OrderShipped, OrderCompleted: domain.OrderCompleted,
	}
	eventOf = map[domain.OrderStatus]string{
		domain.OrderConfirmed: OrderConfirmed, domain.OrderCanceled: OrderCanceled,
		domain.OrderShipped: OrderShipped, domain.OrderCompleted: OrderCompleted,
	}
)

// errUnrecorded is a change of an order that no event type records: a bug in
// the core or here, refused rather than lost.
var errUnrecorded = errors.New("the change of the order is one no event records")

// changes returns the events that take an order from before to after (before
// is the zero Order for a new one), stamped with the versions after from and
// with after's time. Folding them over before must give after exactly:
// otherwise the change is refused (errUnrecorded), since the state is the
// fold and anything else would be lost.
func changes(before, after domain.Order, from int) ([]record, error) {
	var out []record
	add := func(typ string, data any) {
		raw, _ := json.Marshal(data) // plain structs of strings and numbers always encode
		out = append(out, record{Version: from + len(out) + 1, Type: typ, Schema: schemaVersions[typ],
			Stored: schemaVersions[typ], Data: raw, RecordedAt: after.UpdatedAt})
	}
	if before.Status == "" {
		add(OrderOpened, opened{CustomerID: after.CustomerID, Name: after.Name, Description: after.Description,
			Currency: after.Currency})
		out[0].RecordedAt = after.CreatedAt
	}
	for _, it := range after.Items {
		was := before.Item(it.ItemID)
		if was == nil {
			add(ItemAdded, itemAdded{ItemID: it.ItemID, ProductID: it.ProductID, Quantity: it.Quantity,
				UnitPrice: it.UnitPrice, Currency: after.Currency})
			was = &domain.OrderItem{Status: domain.ItemPending}
		}
		if was.Status == it.Status {
			continue
		}
		switch it.Status {
		case domain.ItemReserved:
			add(ItemReserved, itemOutcome{ItemID: it.ItemID, ReservationID: it.ReservationID, UnitPrice: it.UnitPrice})
		case domain.ItemRejected:
			add(ItemRejected, itemOutcome{ItemID: it.ItemID, ReservationID: it.ReservationID})
		case domain.ItemCanceled:
			add(ItemCanceled, itemRef{ItemID: it.ItemID})
		default:
			return nil, fmt.Errorf("%w: item %s from %s to %s", errUnrecorded, it.ItemID, was.Status, it.Status)
		}
	}
	if before.Status != "" && before.Status != after.Status {
		typ, ok := eventOf[after.Status]
		if !ok {
			return nil, fmt.Errorf("%w: from %s to %s", errUnrecorded, before.Status, after.Status)
		}
		add(typ, noData{})
	}
	if len(out) == 0 { // nothing to record: nothing may have changed but the time
		same := after
		same.UpdatedAt = before.UpdatedAt
		if !sameOrder(same, before) {
			return nil, fmt.Errorf("%w (order %s)", errUnrecorded, after.OrderID)
		}
		return nil, nil
	}
	start := before
	if before.Status == "" {
		start = domain.Order{OrderID: after.OrderID, Items: []domain.OrderItem{}}
	}
	got, err := fold(start, out)
	if err != nil {
		return nil, err
	}
	if !sameOrder(got, after) {
		return nil, fmt.Errorf("%w (order %s)", errUnrecorded, after.OrderID)
	}
	return out, nil
}

// sameOrder compares two states as the API shows them.
func sameOrder(a, b domain.Order) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
