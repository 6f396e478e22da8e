// Package messagingtest holds in-memory fakes of the messaging package for the
// unit tests of services: no broker, no database.
package messagingtest

import (
	"context"
	"slices"
	"sync"

	"github.com/microservice-patterns/lab/shared/messaging"
)

// Publisher is an in-memory messaging.Publisher that records what it is given.
// Unlike the outbox it does not join a transaction: a test that rolls back
// still finds the event here. Set Err to make Publish fail.
type Publisher struct {
	mu     sync.Mutex
	events []messaging.Event
	// Err, when set, is returned by Publish, which then records nothing.
	Err error
}

var _ messaging.TxPublisher = (*Publisher)(nil)

// Publish validates ev and records it.
func (p *Publisher) Publish(_ context.Context, ev messaging.Event) error {
	if err := ev.Validate(); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.Err != nil {
		return p.Err
	}
	p.events = append(p.events, ev)
	return nil
}

// Events returns the recorded events, oldest first.
func (p *Publisher) Events() []messaging.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.events)
}

// OfType returns the recorded events of one type, oldest first.
func (p *Publisher) OfType(typ string) []messaging.Event {
	var out []messaging.Event
	for _, ev := range p.Events() {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// Types returns the type of every recorded event, oldest first.
func (p *Publisher) Types() []string {
	var out []string
	for _, ev := range p.Events() {
		out = append(out, ev.Type)
	}
	return out
}

// Reset forgets the recorded events.
func (p *Publisher) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.events = nil
}

// Deliver hands every recorded event to the handler of its type, in order, as
// a consumer would, and stops at the first error. Events without a handler are
// skipped. It lets a unit test run a choreography between services in memory.
func (p *Publisher) Deliver(ctx context.Context, handlers messaging.Handlers) error {
	for _, ev := range p.Events() {
		if h, ok := handlers[ev.Type]; ok {
			if err := h(ctx, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// InTx runs fn with ctx: the fake has no transaction, so events published
// inside are recorded at once, and kept when fn fails.
func (p *Publisher) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(ctx)
}
