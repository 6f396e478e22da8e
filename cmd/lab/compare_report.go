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

	"github.com/microservice-patterns/lab/security-patterns/auth"
)

// procsNote says at what GOMAXPROCS the variants' processes ran: the
// caller's, or the runner's share of the CPUs (procsEach).
func procsNote() string {
	v, callers := runnerProcs(len(names()))
	if callers {
		return fmt.Sprintf(" and every process at `GOMAXPROCS=%s`", v)
	}
	return fmt.Sprintf(" and every process at its share of the CPUs (`GOMAXPROCS`: the CPUs over its variant's processes, rounded up; %s for rest's %d)",
		v, len(names()))
}

// comparisonDoc renders the figures of every round as a Markdown page.
func comparisonDoc(all []figures, w workload, outage time.Duration, args, chart string) string {
	vs := byVariant(all)
	// The ratios are to the first variant: rest, wherever it ran.
	if i := slices.IndexFunc(vs, func(v variantFigures) bool { return v.name == "rest" }); i > 0 {
		vs = append([]variantFigures{vs[i]}, slices.Delete(slices.Clone(vs), i, i+1)...)
	}
	rounds := len(vs[0].rounds)
	var b strings.Builder
	fmt.Fprintf(&b, "# Measured comparison of %d variants\n\n", len(vs))
	fmt.Fprintf(&b, "Written by `bin/lab compare %s` on %s (%d CPUs, %s, RabbitMQ, PostgreSQL and every process on one machine, SQLite).\n",
		args, time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(&b, "Each variant runs as its own processes on fresh data and free loopback ports, with `SHIPPING_DELAY=0`%s, "+
		"%s over every variant in turn (A B C … A B C …), so that what the machine does meanwhile falls on all alike.%s\n\n", procsNote(), roundsOf(rounds), loadNote())
	fmt.Fprintf(&b, "![p50 latency and CPU per order by variant](%s)\n\n", chart)
	fmt.Fprintf(&b, "## The same workload for each\n\n%d orders per round, %d at a time, each of two of twelve products that lab compare "+
		"makes first with a stock of a billion (the seed's would run out): create, add the items, "+
		"wait until both are RESERVED, confirm, poll until COMPLETED. Four orders warm the lab up first. "+
		"Each cell is the median of the rounds, with their lowest and highest in brackets.\n\n", w.orders, w.workers)
	variantTable(&b, vs, measures, func(v variantFigures, m measure) string { return v.cell(m) })
	b.WriteString("\n## Each figure against rest, in the same round\n\n" +
		"The median of the rounds' ratios, with their lowest and highest: a difference whose brackets hold 1.00 is " +
		"within what the machine varies from round to round, and says nothing.\n\n")
	variantTable(&b, vs[1:], ratioMeasures, func(v variantFigures, m measure) string { return v.ratioCell(vs[0], m) })
	if lagged := slices.DeleteFunc(slices.Clone(vs), func(v variantFigures) bool { return v.rounds[0].lag == nil }); len(lagged) > 0 {
		b.WriteString("\n## How far the read model trails\n\nIn a base that answers reads from a read model " +
			"kept from events (CQRS), from an event's publication until the model applied it, over its last events.\n\n")
		variantTable(&b, lagged, lagMeasures, func(v variantFigures, m measure) string { return v.cell(m) })
	}
	if withIdP := slices.DeleteFunc(slices.Clone(vs), func(v variantFigures) bool { return v.rounds[0].idp == nil }); len(withIdP) > 0 {
		fmt.Fprintf(&b, "\n## Calls to the identity provider\n\nIn the variants that run one (the security patterns' `auth` process), "+
			"the requests it served to the gateway and the services, as it counts them: in the warm-up (the workload's products "+
			"stocked up and the first %d orders after the start, two at a time) and per order of the workload. The lab's client logged in before the warm-up, once: "+
			"its logins are in neither.\n\n", warmUpOrders)
		variantTable(&b, withIdP, idpMeasures, func(v variantFigures, m measure) string {
			if m.text != nil {
				return m.text(v.rounds[len(v.rounds)-1])
			}
			return v.cell(m)
		})
	}
	if outage > 0 {
		fmt.Fprintf(&b, "\n## The warehouse down for %s (last round)\n\nThe warehouse process is stopped; every 250 ms a client "+
			"creates an order and adds one item. Then the warehouse starts again, and every order whose item was "+
			"taken is confirmed once RESERVED and polled until COMPLETED (60 s at most).\n\n", outage)
		variantTable(&b, vs, outageMeasures, func(v variantFigures, m measure) string { return m.text(v.rounds[len(v.rounds)-1]) })
	}
	b.WriteString(whatTheRowsSay)
	b.WriteString(howMeasured)
	return b.String()
}

// variantFigures are one variant's figures, a round each.
type variantFigures struct {
	name   string
	rounds []figures
}

// byVariant groups the figures by variant, in the order first measured.
func byVariant(all []figures) []variantFigures {
	var out []variantFigures
	for _, f := range all {
		i := slices.IndexFunc(out, func(v variantFigures) bool { return v.name == f.variant })
		if i < 0 {
			out = append(out, variantFigures{name: f.variant})
			i = len(out) - 1
		}
		out[i].rounds = append(out[i].rounds, f)
	}
	for _, v := range out { // in round order: a ratio pairs a variant's round with rest's of the same number
		slices.SortStableFunc(v.rounds, func(a, b figures) int { return a.round - b.round })
	}
	return out
}

// measure is one column: a figure of a round, and how to print it.
type measure struct {
	label  string
	value  func(f figures) float64 // for medians and ratios
	format func(v float64) string  // a value as the cell shows it
	text   func(f figures) string  // instead of value: a cell of its own (the outage)
}

func one(v float64) string   { return fmt.Sprintf("%.1f", v) } // also milliseconds
func whole(v float64) string { return thousands(int64(math.Round(v))) }
func countedCalls(v float64) string {
	if v < 0 {
		return "– (gRPC)"
	}
	return whole(v)
}
func megabytes(v float64) string { return fmt.Sprintf("%.0f", v/(1<<20)) }

// orders is how many orders a round's workload ran.
func orders(f figures) float64 { return float64(max(1, len(f.res.latencies)+len(f.res.failures))) }

var (
	p50      = measure{"p50 ms", func(f figures) float64 { return quantileMs(f, 0.50) }, one, nil}
	p99      = measure{"p99 ms", func(f figures) float64 { return quantileMs(f, 0.99) }, one, nil}
	rate     = measure{"orders/s", func(f figures) float64 { return float64(len(f.res.latencies)) / f.res.wall.Seconds() }, one, nil}
	cpu      = measure{"CPU ms/order", func(f figures) float64 { return float64(f.cpu.Microseconds()) / 1000 / orders(f) }, one, nil}
	idle     = measure{"idle MB", func(f figures) float64 { return float64(f.idlePSS) }, megabytes, nil}
	loaded   = measure{"after MB", func(f figures) float64 { return float64(f.afterPSS) }, megabytes, nil}
	peak     = measure{"peak RSS MB", func(f figures) float64 { return float64(f.peakRSS) }, megabytes, nil}
	messages = measure{"messages/order", func(f figures) float64 { return float64(f.events) / orders(f) }, whole, nil}
	bytesPer = measure{"bytes/order", func(f figures) float64 { return float64(f.httpBytes+f.amqpBytes) / orders(f) }, whole, nil}
	httpPer  = measure{"HTTP bytes/order", func(f figures) float64 { return float64(f.httpBytes) / orders(f) }, whole, nil}
	exported = measure{"OTLP bytes/order", func(f figures) float64 { return float64(f.otlpBytes) / orders(f) }, whole, nil}
	calls    = measure{"calls/order", func(f figures) float64 { return max(-1, float64(f.calls)/orders(f)) }, countedCalls, nil}
	idpCalls = measure{"IdP calls/order", func(f figures) float64 {
		if f.idp == nil {
			return -1
		}
		return float64(f.idp.workload.Total(processCall)) / orders(f)
	}, idpCount, nil}
	failed = measure{"failed", func(f figures) float64 { return float64(len(f.res.failures)) }, whole, nil}
)

// measures are the workload's columns; ratioMeasures those compared with rest.
var (
	measures      = []measure{p50, p99, rate, cpu, idle, loaded, peak, messages, httpPer, bytesPer, exported, calls, idpCalls, failed}
	ratioMeasures = []measure{p50, p99, rate, cpu, idle, loaded, peak, bytesPer}
)

// idpMeasures are the calls to the identity provider, in the variants that run one.
var idpMeasures = []measure{
	{"warm-up", func(f figures) float64 { return float64(f.idp.warmUp.Total(processCall)) }, whole, nil},
	idpCalls,
	{label: "what they were (last round): warm-up; workload", text: func(f figures) string {
		out := callKinds(f.idp.warmUp) + "; " + callKinds(f.idp.workload)
		if n := f.idp.workload.Total(auth.Call.Login); n > 0 {
			out += fmt.Sprintf(" (and %d login steps of a client)", n)
		}
		return out
	}},
}

// processCall says whether a call to the provider is one of the lab's
// processes', not a step of a user's login.
func processCall(c auth.Call) bool { return !c.Login() }

// idpCount prints calls per order: – where there is no provider.
func idpCount(v float64) string {
	switch {
	case v < 0:
		return "–"
	case v == math.Trunc(v):
		return whole(v)
	}
	return fmt.Sprintf("%.2f", v)
}

// callKinds lists the processes' calls by kind: "discovery 10, keys 6", or "none".
func callKinds(c auth.CallCounts) string {
	by := c.ByLabel(processCall)
	if len(by) == 0 {
		return "none"
	}
	var parts []string
	for _, label := range slices.Sorted(maps.Keys(by)) {
		parts = append(parts, fmt.Sprintf("%s %d", label, by[label]))
	}
	return strings.Join(parts, ", ")
}

// lagMeasures are the read model's lag, in the rounds that measured one.
var lagMeasures = []measure{
	{"read model lag p50 ms", func(f figures) float64 { return lagOf(f).P50Ms }, one, nil},
	{"read model lag p99 ms", func(f figures) float64 { return lagOf(f).P99Ms }, one, nil},
}

func lagOf(f figures) readModelLag {
	if f.lag == nil {
		return readModelLag{}
	}
	return *f.lag
}

// outageMeasures are the outage's columns.
var outageMeasures = []measure{
	{label: "accepted while down", text: func(f figures) string { return fmt.Sprintf("%d of %d", len(f.accepted), f.attempts) }},
	{label: "refused with", text: func(f figures) string { return refusals(f.refusedWith) }},
	{label: "completed after recovery", text: func(f figures) string {
		if len(f.accepted) == 0 {
			return "– (none accepted)"
		}
		return fmt.Sprintf("%d of %d", f.completed, len(f.accepted))
	}},
	{label: "last one completed, after the restart", text: func(f figures) string {
		if f.completed == 0 {
			return "–"
		}
		return msText(f.catchUp)
	}},
	{label: "invariants hold afterwards", text: func(f figures) string {
		if len(f.invariants) == 0 {
			return "yes"
		}
		return "no: " + strings.Join(f.invariants, "; ")
	}},
}

func quantileMs(f figures, q float64) float64 {
	return float64(quantile(f.res.latencies, q).Microseconds()) / 1000
}

// values are the measure's value in each round.
func (v variantFigures) values(m measure) []float64 {
	var out []float64
	for _, f := range v.rounds {
		out = append(out, m.value(f))
	}
	return out
}

// cell is the median of the rounds, with the lowest and highest when there are several.
func (v variantFigures) cell(m measure) string {
	return spread(v.values(m), m.format)
}

// ratioCell is the median of the rounds' ratios to base's figure of the same round.
func (v variantFigures) ratioCell(base variantFigures, m measure) string {
	var rs []float64
	for i, f := range v.rounds {
		if i < len(base.rounds) {
			if b := m.value(base.rounds[i]); b > 0 {
				rs = append(rs, m.value(f)/b)
			}
		}
	}
	if len(rs) == 0 {
		return "–"
	}
	return spread(rs, func(r float64) string { return fmt.Sprintf("%.2f", r) })
}

// spread prints the median of vs, and their range when there are several.
func spread(vs []float64, format func(float64) string) string {
	s := slices.Sorted(slices.Values(vs))
	med := median(s)
	if len(s) == 1 || s[0] == s[len(s)-1] {
		return format(med)
	}
	return fmt.Sprintf("%s (%s–%s)", format(med), format(s[0]), format(s[len(s)-1]))
}

// variantTable writes a Markdown table with a row per variant and a column per measure.
func variantTable(b *strings.Builder, vs []variantFigures, ms []measure, cell func(variantFigures, measure) string) {
	b.WriteString("| variant |")
	for _, m := range ms {
		b.WriteString(" " + m.label + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(ms)) + "\n")
	for _, v := range vs {
		b.WriteString("| " + v.name + " |")
		for _, m := range ms {
			b.WriteString(" " + cell(v, m) + " |")
		}
		b.WriteString("\n")
	}
}

// whatTheRowsSay interprets the tables: why each variant has the figures it has.
const whatTheRowsSay = `
## What the rows say

- **Latency.** Rest answers the confirm with the order already COMPLETED: one request, a chain of
  calls on loopback. The asynchronous bases take several hops through the outbox, the broker and a
  consumer's transaction for each step (item added → reserved, confirmed → shipped → invoiced →
  completed), and each hop waits for the one before: the order completes later, even though every
  request answers quickly. Which asynchronous base is fastest is a question the brackets answer:
  where two bases' ranges of ratios overlap, this machine cannot tell them apart.
- **Messages.** Rest and gRPC publish none. The choreographed bases publish one event per state
  change (order created, each item added and reserved, each stock change, confirmed, each
  reservation confirmed, shipped, invoiced, completed): the same count, whatever the events carry.
  CQRS adds an ` + "`order.changed`" + ` for the changes no contract event announces, so that its read
  model misses none. Messaging sends commands and replies only — one pair per step — so fewer
  messages, and only ordering knows the flow.
- **0 HTTP bytes in event-carried-state-transfer** (and event sourcing and CQRS, built on it). Its
  events carry the whole resource, and each consumer keeps local copies of what it reads often
  (customers, products), so no service ever calls another: every byte between the services is
  AMQP. Event notification's events carry ids only, so almost every reaction calls the owner back
  over HTTP to read what changed: it pays for the messages *and* for the calls.
- **Bytes per order.** Fat events are bigger than thin events plus the calls back, because every
  event carries the whole order (its items included) whether the consumer needs it or not; CQRS's
  read model consumes them once more. gRPC sends about half of rest's bytes for the same calls:
  protobuf instead of JSON, and HTTP/2's compressed headers on one connection per callee.
- **Patterns.** Tracing's cost is real (its brackets stay above 1.00): a span per request, call
  and statement, and about 40 kB of OTLP per order to an exporter. Metrics costs nothing this
  machine can measure in latency. Logging writes every line and exports it over OTLP too, and holds
  more memory (its OTLP exporter); whether its latency rises above the spread differs from run to
  run: its brackets above say whether it did in this one. The security
  patterns double the bytes between the services (a JWT in every call), hold more memory (the
  identity provider is a process of its own) and cost time and CPU: every hop verifies the token
  it gets (an RS256 signature, ` + "`BenchmarkVerify`" + ` in security-patterns/auth).
  Once warm they call the identity provider not at all: every process fetches the discovery
  document and the keys once and verifies each token itself, and the tokens a pattern fetches
  (exchanged, or the services' own) are cached until shortly before they expire. The warm-up pays
  for all of it. The workload sends one user's token for every order, so token exchange's
  exchanges are cached after the first order; each new user's token costs it one exchange per
  hop again, where client credentials' tokens serve every user.
- **The warehouse down.** Rest, event notification, messaging and gRPC refuse every order (503):
  adding an item needs an answer from the warehouse now — a call, a call back, or a reply.
  Event-carried-state-transfer (and event sourcing and CQRS) takes every one: ordering checks the
  product against its local copy, the item waits as PENDING, and the ` + "`order.item-added`" + ` event
  waits in the warehouse's queue until it is back. The messages alone buy no availability — event
  notification sends as many and refuses as much — what buys it is the data they carry: the
  variants with the biggest events are the only ones that need no other service up to take an
  order, at the price of copies that are only eventually up to date, and of event payloads that
  are a contract.
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
- **Calls to the identity provider**: a security pattern's ` + "`auth`" + ` process counts the requests it serves, by
  endpoint (discovery, keys, token, introspection, userinfo, revocation, end_session) and at the token endpoint by
  grant type and client, and answers the counts at ` + "`GET /admin/calls`" + ` on its own port (the gateway routes
  nothing there); lab compare reads them before the warm-up, before the workload and after it. The steps of a
  user's login (the authorization endpoint, the login page, the public ` + "`cli`" + ` client's tokens) are told
  apart: the lab's client logs in once, before the warm-up, so none is in the figures.
- **CPU per order**: the user and system time of every process of the variant (from
  ` + "`/proc/<pid>/stat`" + `) from just before the workload until just after it, over its orders.
- **Memory**: idle and after are the sum of every process's proportional set size (` + "`Pss`" + ` in
  ` + "`/proc/<pid>/smaps_rollup`" + `) once the variant is ready, before any order, and after the workload:
  each process's own pages plus its share of the pages it shares — chiefly the lab binary's code,
  which the kernel holds once for all the processes that run it. Peak RSS is the sum of the
  processes' resident high-water marks (` + "`VmHWM`" + `), which counts those shared pages once per process: an
  upper bound.
- **OTLP bytes**: lab compare points every process's ` + "`OTEL_EXPORTER_OTLP_ENDPOINT`" + ` at a
  receiver of its own that counts the bodies it is sent (unless you set an endpoint yourself):
  what an observability pattern exports per order.
- **Rounds**: every variant runs once per round, in the same order, on fresh processes and data;
  each ratio to rest is taken within a round, then the median of the rounds is shown with their
  lowest and highest.
- Every figure is divided by the orders of the workload. A run on a busy machine varies; run the command
  again to see how much.
`

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
