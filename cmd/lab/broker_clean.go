package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/microservice-patterns/lab/shared/messaging"
)

// cleanScope is what `lab broker clean` removes: every topology of the lab
// (all), or a variant's, or one run of a variant.
type cleanScope struct {
	all          bool
	variant, run string
	deadLetters  bool // also dead-letter queues that hold messages
}

// selects reports whether t is in the scope.
func (s cleanScope) selects(t *topology) bool {
	return s.all || (t.variant == s.variant && (s.run == "" || t.run == s.run))
}

// keepReason says why a queue must stay, or "" when it may go: a queue with
// consumers is in use (its variant runs), and a dead-letter queue that holds
// messages keeps them as evidence unless the caller asked to drop them.
func keepReason(kind messaging.Kind, consumers, messages int, dropDeadLetters bool) string {
	switch {
	case consumers > 0:
		return plural(consumers, "consumer") + ": is its variant still running? stop it first"
	case kind == messaging.KindDeadLetterQueue && messages > 0 && !dropDeadLetters:
		return plural(messages, "dead letter") + ", kept as evidence (add -dead-letters to delete them)"
	}
	return ""
}

// deleter is the part of messaging.Admin that clean uses; tests fake it.
type deleter interface {
	DeleteQueue(name string, ifUnused, ifEmpty bool) (int, error)
	DeleteExchange(name string, ifUnused bool) error
	Queue(name string) (exists bool, messages, consumers int, err error)
}

// cleanResult is what clean did.
type cleanResult struct {
	queues, exchanges, messages int
	kept                        []string // "name: reason"
	inUse                       int      // of the kept, topologies and queues with consumers
	errs                        []error
}

// clean deletes the topologies ts in scope. A topology whose queues have
// consumers is in use (its variant runs) and is kept whole: each service's
// queue is asked for its consumers first, with a passive declare, since the
// listing's figures may be seconds old. Every delete is conditional, so the
// broker itself refuses what changes meanwhile: a queue if it has consumers,
// a dead-letter queue if it holds messages (unless dropped), an exchange if
// queues are still bound to it.
func clean(a deleter, ts []*topology, scope cleanScope) cleanResult {
	var r cleanResult
	for _, t := range ts {
		if !scope.selects(t) {
			continue
		}
		if consumers := r.consumersOf(a, t); consumers > 0 {
			r.inUse++
			r.kept = append(r.kept, t.label()+": "+keepReason(messaging.KindQueue, consumers, 0, false)+" (nothing of it deleted)")
			continue
		}
		for _, name := range t.serviceNames() {
			s := t.services[name]
			if s.queue {
				r.deleteQueue(a, s.queueName, messaging.KindQueue, s.consumers, s.messages, scope.deadLetters)
			}
			if s.dlq {
				r.deleteQueue(a, s.dlqName, messaging.KindDeadLetterQueue, s.dlqConsumers, s.deadLetters, scope.deadLetters)
			}
		}
		for _, x := range t.exchanges {
			switch err := a.DeleteExchange(x, true); {
			case errors.Is(err, messaging.ErrRefused):
				r.kept = append(r.kept, x+": queues are still bound to it")
			case err != nil:
				r.errs = append(r.errs, err)
			default:
				r.exchanges++
			}
		}
	}
	return r
}

// consumersOf counts the consumers of t's queues as they are now.
func (r *cleanResult) consumersOf(a deleter, t *topology) int {
	n := 0
	for _, name := range t.serviceNames() {
		s := t.services[name]
		n += s.dlqConsumers
		if !s.queue {
			continue
		}
		_, _, consumers, err := a.Queue(s.queueName)
		if err != nil {
			r.errs = append(r.errs, err)
		}
		n += max(consumers, s.consumers)
	}
	return n
}

// deleteQueue deletes one queue unless keepReason says it stays, and reports a
// refusal of the broker with the queue's present state.
func (r *cleanResult) deleteQueue(a deleter, name string, kind messaging.Kind, consumers, messages int, drop bool) {
	reason := keepReason(kind, consumers, messages, drop)
	if reason == "" {
		purged, err := a.DeleteQueue(name, true, kind == messaging.KindDeadLetterQueue && !drop)
		switch {
		case err == nil:
			r.queues++
			r.messages += purged
			return
		case !errors.Is(err, messaging.ErrRefused):
			r.errs = append(r.errs, err)
			return
		}
		_, messages, consumers, err = a.Queue(name)
		if err != nil {
			r.errs = append(r.errs, err)
		}
		if reason = keepReason(kind, consumers, messages, drop); reason == "" {
			reason = "refused by the broker"
		}
	}
	if consumers > 0 {
		r.inUse++
	}
	r.kept = append(r.kept, name+": "+reason)
}

// report prints what clean did and answers an error when a queue in use was kept.
func (r cleanResult) report(w io.Writer) error {
	fmt.Fprintf(w, "deleted %s (%s) and %s\n", plural(r.queues, "queue"), plural(r.messages, "message"), plural(r.exchanges, "exchange"))
	for _, k := range r.kept {
		fmt.Fprintln(w, "kept", k)
	}
	if len(r.errs) > 0 {
		return errors.Join(r.errs...)
	}
	if r.inUse > 0 {
		return fmt.Errorf("kept what is in use (%d); stop it first", r.inUse)
	}
	return nil
}

// cleanBroker lists the lab's topologies and deletes those in scope.
func cleanBroker(ctx context.Context, m *management, amqpURL string, scope cleanScope, w io.Writer) error {
	ts, err := listBroker(ctx, m)
	if err != nil {
		return err
	}
	a, err := messaging.NewAdmin(ctx, amqpURL, "lab broker clean")
	if err != nil {
		return err
	}
	defer a.Close()
	return clean(a, ts, scope).report(w)
}
