package main

import (
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
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
	{"completed after recovery", func(f figures) string { return fmt.Sprintf("%d of %d", f.completed, len(f.accepted)) }},
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

func perOrder(f figures, n int64) string {
	if f.res.latencies == nil && len(f.res.failures) == 0 {
		return "–"
	}
	orders := len(f.res.latencies) + len(f.res.failures)
	return fmt.Sprintf("%.1f", float64(n)/float64(orders))
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
