package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/microservice-patterns/lab/shared/messaging"
)

// topology is what the lab has on the broker for one variant and one run (an
// empty run: the named topology of `make run-<variant>`).
type topology struct {
	variant, run string
	services     map[string]*serviceQueues
	exchanges    []string
	expiry       time.Duration // the run's queues' x-expires, if they have one
}

// serviceQueues are one service's queue and dead-letter queue of a topology.
type serviceQueues struct {
	queue, dlq                bool // whether each exists
	queueName, dlqName        string
	messages, consumers       int
	deadLetters, dlqConsumers int
}

// inventory groups the lab's queues and exchanges by variant and run, the
// named topologies first; names that are not the lab's are left out.
func inventory(qs []apiQueue, xs []apiExchange) []*topology {
	byKey := map[[2]string]*topology{}
	group := func(n messaging.Name) *topology {
		k := [2]string{n.Variant, n.Run}
		t := byKey[k]
		if t == nil {
			t = &topology{variant: n.Variant, run: n.Run, services: map[string]*serviceQueues{}}
			byKey[k] = t
		}
		return t
	}
	for _, q := range qs {
		n, ok := messaging.ParseName(q.Name)
		if !ok || (n.Kind != messaging.KindQueue && n.Kind != messaging.KindDeadLetterQueue) {
			continue
		}
		t := group(n)
		s := t.services[n.Service]
		if s == nil {
			s = &serviceQueues{}
			t.services[n.Service] = s
		}
		if n.Kind == messaging.KindQueue {
			s.queue, s.queueName, s.messages, s.consumers = true, q.Name, q.Messages, q.Consumers
			if expiry, ok := expiryOf(q); ok {
				t.expiry = max(t.expiry, expiry)
			}
		} else {
			s.dlq, s.dlqName, s.deadLetters, s.dlqConsumers = true, q.Name, q.Messages, q.Consumers
		}
	}
	for _, x := range xs {
		if n, ok := messaging.ParseName(x.Name); ok && (n.Kind == messaging.KindExchange || n.Kind == messaging.KindDeadLetterExchange) {
			t := group(n)
			t.exchanges = append(t.exchanges, x.Name)
		}
	}
	out := make([]*topology, 0, len(byKey))
	for _, t := range byKey {
		slices.Sort(t.exchanges)
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *topology) int {
		return cmp.Or(cmp.Compare(a.variant, b.variant), cmp.Compare(a.run, b.run)) // "": the named one first
	})
	return out
}

// serviceNames are the services of t, sorted.
func (t *topology) serviceNames() []string {
	names := make([]string, 0, len(t.services))
	for s := range t.services {
		names = append(names, s)
	}
	slices.Sort(names)
	return names
}

// totals sums t's queues, messages, consumers and dead letters.
func (t *topology) totals() (queues, messages, consumers, deadLetters int) {
	for _, s := range t.services {
		queues += btoi(s.queue) + btoi(s.dlq)
		messages += s.messages
		consumers += s.consumers + s.dlqConsumers
		deadLetters += s.deadLetters
	}
	return
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// label is a topology's variant and run, in a word or three.
func (t *topology) label() string {
	if t.run == "" {
		return t.variant + " (named)"
	}
	return t.variant + " run " + t.run
}

// title names a topology: the variant, and its run or that it is the named one.
func (t *topology) title() string {
	if t.run == "" {
		return t.variant + " (named: make run-" + t.variant + "; kept between runs)"
	}
	title := t.label()
	if t.expiry > 0 {
		title += " (unused queues expire after " + shortDuration(t.expiry) + ")"
	}
	return title
}

// printInventory writes the lab's topologies, a table of services each.
func printInventory(w io.Writer, where string, ts []*topology) {
	if len(ts) == 0 {
		fmt.Fprintf(w, "the broker has nothing of the lab (%s)\n", where)
		return
	}
	var queues, messages, consumers, deadLetters, exchanges, runs int
	for _, t := range ts {
		q, m, c, d := t.totals()
		queues, messages, consumers, deadLetters, exchanges = queues+q, messages+m, consumers+c, deadLetters+d, exchanges+len(t.exchanges)
		runs += btoi(t.run != "")
		fmt.Fprintf(w, "%s: %s, %s\n", t.title(), plural(q, "queue"), plural(len(t.exchanges), "exchange"))
		rows := [][]string{{"  service", "messages", "consumers", "dead letters"}}
		for _, name := range t.serviceNames() {
			s := t.services[name]
			row := []string{"  " + name, "-", "-", "-"}
			if s.queue {
				row[1], row[2] = fmt.Sprint(s.messages), fmt.Sprint(s.consumers)
			}
			if s.dlq {
				row[3] = fmt.Sprint(s.deadLetters)
			}
			rows = append(rows, row)
		}
		if len(rows) > 1 {
			printTable(w, rows)
		}
	}
	fmt.Fprintf(w, "\n%s (%s): %s, %s, %s, %s, %s, %s\n", plural(len(ts), "topology"), where,
		plural(runs, "run"), plural(queues, "queue"), plural(exchanges, "exchange"),
		plural(messages, "message"), plural(consumers, "consumer"), plural(deadLetters, "dead letter"))
	fmt.Fprintln(w, "(the management API's figures; they may be a few seconds old)")
}

// plural is "1 queue", "2 queues", "3 topologies".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(word, "y"))
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// listBroker reads the lab's topologies from the management API.
func listBroker(ctx context.Context, m *management) ([]*topology, error) {
	qs, err := m.queues(ctx)
	if err != nil {
		return nil, err
	}
	xs, err := m.exchanges(ctx)
	if err != nil {
		return nil, err
	}
	return inventory(qs, xs), nil
}

// shortDuration is 1h rather than 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
