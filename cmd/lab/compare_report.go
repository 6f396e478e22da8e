package main

import (
	"fmt"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// comparisonDoc renders the figures as the Markdown page docs/comparison.md.
func comparisonDoc(all []figures, w workload, outage time.Duration, args string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Measured comparison: rest, event-notification, event-carried-state-transfer\n\n")
	fmt.Fprintf(&b, "Written by `go run ./cmd/lab %s` on %s (%d CPUs, %s, RabbitMQ and every process on one machine, SQLite).\n",
		args, time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(&b, "Each variant runs as its own processes on fresh data and free loopback ports, with `SHIPPING_DELAY=0`.%s\n\n", loadNote())
	fmt.Fprintf(&b, "## The same workload for each\n\n%d orders, %d at a time, each of two seed products: create, add the items, "+
		"wait until both are RESERVED, confirm, poll until COMPLETED. Four orders warm the lab up first.\n\n", w.orders, w.workers)
	table(&b, all, workloadRows)
	fmt.Fprintf(&b, "\n## The warehouse down for %s\n\nThe warehouse process is stopped; every 250 ms a client "+
		"creates an order and adds one item. Then the warehouse starts again, and every order whose item was "+
		"taken is confirmed once RESERVED and polled until COMPLETED (60 s at most).\n\n", outage)
	table(&b, all, outageRows)
	b.WriteString(whatTheRowsSay)
	b.WriteString(howMeasured)
	return b.String()
}

// row is one line of a table: a label and how to fill a variant's cell.
type row struct {
	label string
	cell  func(f figures) string
}

// workloadRows are the figures of the measured workload.
var workloadRows = []row{
	{"order completion p50", func(f figures) string { return msText(quantile(f.res.latencies, 0.50)) }},
	{"order completion p99", func(f figures) string { return msText(quantile(f.res.latencies, 0.99)) }},
	{"orders/s", func(f figures) string { return fmt.Sprintf("%.1f", float64(len(f.res.latencies))/f.res.wall.Seconds()) }},
	{"failed orders", func(f figures) string { return fmt.Sprint(len(f.res.failures)) }},
	{"messages per order", func(f figures) string { return perOrder(f, f.events) }},
	{"bytes on the wire per order, HTTP between services", func(f figures) string { return perOrder(f, f.httpBytes) }},
	{"bytes on the wire per order, AMQP", func(f figures) string { return perOrder(f, f.amqpBytes) }},
	{"bytes on the wire per order, total", func(f figures) string { return perOrder(f, f.httpBytes+f.amqpBytes) }},
	{"synchronous calls between services per order", func(f figures) string { return perOrder(f, f.calls) }},
}

// outageRows are the figures of the warehouse's outage.
var outageRows = []row{
	{"orders accepted during the outage", func(f figures) string { return fmt.Sprintf("%d of %d", len(f.accepted), f.attempts) }},
	{"refused with", func(f figures) string { return refusals(f.refusedWith) }},
	{"completed after recovery", func(f figures) string {
		if len(f.accepted) == 0 {
			return "– (none accepted)"
		}
		return fmt.Sprintf("%d of %d", f.completed, len(f.accepted))
	}},
	{"last one completed, after the restart", func(f figures) string {
		if f.completed == 0 {
			return "–"
		}
		return msText(f.catchUp)
	}},
	{"invariants hold afterwards", func(f figures) string {
		if len(f.invariants) == 0 {
			return "yes"
		}
		return "no: " + strings.Join(f.invariants, "; ")
	}},
}

// whatTheRowsSay interprets the tables: why each variant has the figures it has.
const whatTheRowsSay = `
## What the rows say

- **Latency.** Rest answers the confirm with the order already COMPLETED: one request, a chain of
  calls on loopback. The asynchronous variants take several hops through the outbox, the broker and a
  consumer's transaction for each step (item added → reserved, confirmed → shipped → invoiced →
  completed), and each hop waits for the one before: the order completes later, even though every
  request answers quickly.
- **Messages.** Rest publishes none. Both asynchronous variants publish the same events, one per state
  change (order created, each item added and reserved, each stock change, confirmed, each reservation
  confirmed, shipped, invoiced, completed): the same count, whatever the events carry.
- **0 HTTP bytes in event-carried-state-transfer.** Its events carry the whole resource, and each
  consumer keeps local copies of what it reads often (customers, products), so no service ever calls
  another: every byte between the services is AMQP. Event notification's events carry ids only, so
  almost every reaction calls the owner back over HTTP to read what changed: it pays for the messages
  *and* for the calls.
- **Bytes per order.** Fat events are bigger than thin events plus the calls back, because every
  event carries the whole order (its items included) whether the consumer needs it or not. Rest sends
  the fewest bytes: only what each call needs.
- **The warehouse down.** Rest and event notification both refuse every order (503): adding an item
  needs an answer from the warehouse now — rest to reserve, event notification to read the product.
  Event-carried-state-transfer takes every one: ordering checks the product against its local copy,
  the item waits as PENDING, and the ` + "`order.item-added`" + ` event waits in the warehouse's queue
  until it is back. The messages alone buy no availability — event notification sends as many and
  refuses as much — what buys it is the data they carry: the variant with the biggest events is the
  only one that needs no other service up to take an order, at the price of copies that are only
  eventually up to date, and of event payloads that are a contract.
`

// howMeasured says where each figure comes from.
const howMeasured = `
## How each figure is measured

- **Latency, orders/s**: by the client, through the gateway: from the order's creation until the poll that
  sees it COMPLETED (polls every 1–4 ms, so a figure holds up to about 4 ms of polling); orders/s is the
  completed orders over the workload's wall time.
- **Synchronous calls between services**: lab compare points every service's URLs of the others
  (` + "`<SERVICE>_URL`" + `) at an HTTP proxy of its own, and counts the requests that pass; the gateway keeps the
  direct URLs, so a client's requests are not counted.
- **Bytes on the wire**: the bytes those proxies read and write (HTTP/1.1 with its headers), and the bytes
  between the services and RabbitMQ, counted by a TCP proxy that every service's ` + "`AMQP_URL`" + ` points at
  (AMQP frames: publishes, confirms, deliveries, acks, heartbeats).
- **Messages**: the events published to the variant's exchange during the workload, seen by a tap queue
  bound to every event type (not through the proxy, so the tap's own traffic is not counted).
- Every figure is divided by the orders of the workload. A run on a busy machine varies; run the command
  again to see how much.
`

// perOrder is n divided by the orders of the workload, rounded to a whole
// number (bytes, messages and calls come whole), with thousands separated.
func perOrder(f figures, n int64) string {
	if f.res.latencies == nil && len(f.res.failures) == 0 {
		return "–"
	}
	orders := len(f.res.latencies) + len(f.res.failures)
	return thousands(int64(math.Round(float64(n) / float64(orders))))
}

// thousands writes n with a comma between each group of three digits.
func thousands(n int64) string {
	digits := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return sign + b.String()
}

func refusals(by map[int]int) string {
	if len(by) == 0 {
		return "–"
	}
	var parts []string
	for _, status := range slices.Sorted(maps.Keys(by)) {
		label := fmt.Sprint(status)
		if status == 0 {
			label = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%s × %d", label, by[status]))
	}
	return strings.Join(parts, ", ")
}

// quantile returns the q-quantile of ds (nearest rank), 0 for none.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

func msText(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// table writes the rows as a Markdown table with a column per variant.
func table(b *strings.Builder, all []figures, rows []row) {
	b.WriteString("| |")
	for _, f := range all {
		b.WriteString(" " + f.variant + " |")
	}
	b.WriteString("\n|" + strings.Repeat("---|", len(all)+1) + "\n")
	for _, r := range rows {
		b.WriteString("| " + r.label + " |")
		for _, f := range all {
			b.WriteString(" " + r.cell(f) + " |")
		}
		b.WriteString("\n")
	}
}

// loadNote tells how busy the machine was when the run began (Linux only).
func loadNote() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	if f := strings.Fields(string(b)); len(f) >= 3 {
		return fmt.Sprintf(" Load average when the table was written: %s %s %s.", f[0], f[1], f[2])
	}
	return ""
}
