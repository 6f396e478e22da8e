package messaging

import (
	"context"
	"encoding/json"
	"fmt"
)

// EventStyle says what the data of an event carries. It is the one difference
// between the lab's two asynchronous variants, set once in their wiring.
type EventStyle string

// The two styles of CONTRACT.md.
const (
	// Thin events (event notification) carry the ids only: a consumer that
	// needs more reads it from the owner's REST API.
	Thin EventStyle = "thin"
	// Fat events (event-carried state transfer) carry the whole resource, as the
	// owner's REST API returns it, plus the ids: consumers need not call back.
	Fat EventStyle = "fat"
)

// Data returns an event's data in the style: the ids alone when thin; the JSON
// fields of resource with the ids added when fat (an id that the resource
// already has keeps the same value).
func (s EventStyle) Data(ids map[string]string, resource any) (any, error) {
	switch s {
	case Thin:
		return ids, nil
	case Fat:
	default:
		return nil, fmt.Errorf("messaging: unknown event style %q", s)
	}
	b, err := json.Marshal(resource)
	if err != nil {
		return nil, fmt.Errorf("encode resource: %w", err)
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, fmt.Errorf("the resource of a fat event must be a JSON object: %w", err)
	}
	for k, v := range ids {
		raw, _ := json.Marshal(v) // a string always encodes
		fields[k] = raw
	}
	return fields, nil
}

// TxPublisher publishes events within transactions it runs: the Outbox is one.
type TxPublisher interface {
	Publisher
	// InTx runs fn in a transaction; events published with its ctx commit with it.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

var _ TxPublisher = (*Outbox)(nil)

// Emitter publishes the events of one service in one style. The services'
// event decorators use it: a state change and its event share a transaction.
type Emitter struct {
	Source string // the service, as a CloudEvents source such as "/warehouse"
	Style  EventStyle
	Tx     TxPublisher
}

// InTx runs fn in a transaction of the emitter's outbox.
func (e Emitter) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return e.Tx.InTx(ctx, fn)
}

// Emit publishes an event of type typ about subject within the transaction ctx
// carries; its data is ids, or resource with ids, by the emitter's style.
func (e Emitter) Emit(ctx context.Context, typ, subject string, ids map[string]string, resource any) error {
	data, err := e.Style.Data(ids, resource)
	if err != nil {
		return fmt.Errorf("%s data: %w", typ, err)
	}
	ev, err := NewEvent(e.Source, typ, subject, data)
	if err != nil {
		return err
	}
	return e.Tx.Publish(ctx, ev)
}
