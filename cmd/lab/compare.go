package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/microservice-patterns/lab/security-patterns/auth"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// compared are the variants lab compare measures by default: every base,
// and every pattern on rest — the tested variants that need nothing more than
// this machine has.
func compared() []string {
	var out []string
	for _, b := range app.Bases() {
		out = append(out, b.Name)
	}
	for _, p := range app.Patterns() {
		out = append(out, "rest+"+p.Name)
	}
	return out
}

// figures are what one variant measured in one round.
type figures struct {
	variant      string
	round        int
	res          result
	calls        int64 // synchronous calls between services
	httpBytes    int64
	amqpBytes    int64
	events       int64
	otlpBytes    int64         // telemetry exported over OTLP
	lag          *readModelLag // a CQRS base's read model: how far it trailed the events
	cpu          time.Duration // CPU time of every process of the variant during the workload
	idlePSS      int64         // proportional resident bytes of every process, ready and idle
	afterPSS     int64         // the same after the workload
	peakRSS      int64         // the sum of their resident high-water marks after the workload
	attempts     int           // orders tried while the warehouse was down
	accepted     []string      // of those, the ones whose item was taken
	refusedWith  map[int]int
	completed    int           // accepted orders that completed after the restart
	catchUp      time.Duration // from the restart until the last of them completed
	invariants   []string
	startupTaken time.Duration
	outage       bool        // the outage ran in this round
	idp          *idpFigures // the calls to the identity provider, in a variant that runs one
}

// idpFigures are the requests the variant's identity provider served, as it
// counts them (auth.CallsPath): in the warm-up, the first orders after a cold
// start; and in the measured workload.
type idpFigures struct {
	warmUp, workload auth.CallCounts
}

// readModelLag is what a CQRS base's gateway answers at /api/lab/read-model:
// from an event's publication until the read model applied it, over its last events.
type readModelLag struct {
	P50Ms float64 `json:"p50Ms"`
	P99Ms float64 `json:"p99Ms"`
}

// compareCommand runs `lab compare`: the same bounded workload against every
// variant named (default: compared()), each as processes on fresh data and
// free loopback ports, in rounds — A B C … then A B C … again — so that what
// the machine does meanwhile falls on every variant alike; in the last round
// the warehouse goes down for a while under a trickle of orders. It writes a
// Markdown table and an SVG chart, under data/ unless -o says where.
func compareCommand(ctx context.Context, hurry <-chan os.Signal, root string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lab compare", flag.ContinueOnError)
	orders := fs.Int("orders", 100, "orders in each round's measured workload")
	workers := fs.Int("workers", 2, "orders in flight at once")
	rounds := fs.Int("rounds", 3, "rounds over every variant (at least 1; 3 or more for a spread)")
	outage := fs.Duration("outage", 10*time.Second, "how long the warehouse is down in the last round (0: no outage)")
	out := fs.String("o", "data/comparison.md", "where the table goes (the chart beside it, .svg), relative to the repository root")
	usage := errors.New("usage: lab compare [-rounds 3] [-orders 100] [-workers 2] [-outage 10s] [-o data/comparison.md] [variant …]")
	if err := fs.Parse(args[1:]); err != nil || *orders < 1 || *workers < 1 || *orders > 5000 || *rounds < 1 || *rounds > 20 {
		return errors.Join(err, usage)
	}
	names := fs.Args()
	if len(names) == 0 {
		names = compared()
	}
	// Every ratio is to rest, from the same round: rest runs first, named or not.
	names = append([]string{"rest"}, slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == "rest" })...)
	var variants []app.Variant
	for _, name := range names {
		v, err := lookup(name)
		if err != nil {
			return err
		}
		variants = append(variants, v)
	}
	cfg, err := config.LoadRunner(config.Env)
	if err != nil {
		return err
	}
	con := newConsole(io.Discard, false, names)
	w := workload{orders: *orders, workers: *workers}
	var all []figures
	for round := 1; round <= *rounds; round++ {
		for _, v := range variants {
			l := &lab{root: root, variant: v, cfg: cfg, console: con, hurry: hurry}
			l.command = l.selfCommand
			d := time.Duration(0)
			if round == *rounds {
				d = *outage
			}
			fmt.Fprintf(stdout, "round %d of %d: ", round, *rounds)
			f, err := l.compare(ctx, w, d, stdout)
			if err != nil {
				return fmt.Errorf("%s: %w", v.Name, err)
			}
			f.round = round
			all = append(all, f)
		}
	}
	path := *out
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	svgPath := strings.TrimSuffix(path, filepath.Ext(path)) + ".svg"
	doc := comparisonDoc(all, w, *outage, strings.Join(args[1:], " "), filepath.Base(svgPath))
	fmt.Fprint(stdout, "\n"+doc)
	if err := os.WriteFile(svgPath, []byte(comparisonChart(all)), 0o644); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}

// compare runs one variant through the workload and the outage.
func (l *lab) compare(ctx context.Context, w workload, outage time.Duration, stdout io.Writer) (figures, error) {
	fig := figures{variant: l.variant.Name, refusedWith: map[int]int{}}
	data, err := os.MkdirTemp("", "lab-compare-")
	if err != nil {
		return fig, err
	}
	defer os.RemoveAll(data)
	m, err := newMeter(l.cfg.AMQPURL)
	if err != nil {
		return fig, err
	}
	defer m.close()
	if err := l.freshConfig(data); err != nil {
		return fig, err
	}
	l.cfg.RunID = fmt.Sprintf("compare-%d", time.Now().UnixNano())
	rpc := l.variant.Base != nil && l.variant.Base.Serve != nil // the services call each other over gRPC
	if err := m.route(l.cfg.URLs, rpc); err != nil {
		return fig, err
	}
	l.procEnv = func(name string) []string { return append(m.serviceEnv(name), "SHIPPING_DELAY=0") }
	defer l.teardown() // after the stop: deferred calls run last first
	f, took, err := l.start(ctx)
	if err != nil {
		return fig, err
	}
	defer func() { l.stop(f) }()
	fig.startupTaken = took
	tr, err := l.clientTransport(ctx)
	if err != nil {
		return fig, err
	}
	c := &shopper{base: "http://" + l.cfg.Addrs["gateway"], http: &http.Client{Timeout: 30 * time.Second, Transport: tr}}
	time.Sleep(500 * time.Millisecond) // idle: the start's own work done
	fig.idlePSS = proportionalBytes(f.procs)
	fmt.Fprintf(stdout, "%s: ready in %s; %d orders, %d at a time …\n", l.variant.Name, took.Round(time.Millisecond), w.orders, w.workers)
	if err := l.measure(ctx, f, c, m, w, &fig); err != nil {
		return fig, err
	}
	if n := len(fig.res.failures); n > 0 {
		fmt.Fprintf(stdout, "%s: %d of %d orders failed; the first: %s\n", l.variant.Name, n, w.orders, fig.res.failures[0])
	}
	if outage > 0 {
		fmt.Fprintf(stdout, "%s: the warehouse goes down for %s …\n", l.variant.Name, outage)
		fig.outage = true
		if err := l.outage(ctx, f, c, outage, &fig); err != nil {
			return fig, err
		}
	}
	time.Sleep(500 * time.Millisecond) // the last reservations are confirmed beside the completion
	chk := &client{base: c.base, rec: &recorder{}, http: c.http}
	fig.invariants, err = chk.checkInvariants(ctx)
	return fig, err
}

// measure warms the lab up, then runs the workload with the meter zeroed.
func (l *lab) measure(ctx context.Context, f *fleet, c *shopper, m *meter, w workload, fig *figures) error {
	cold, err := l.providerCalls(ctx)
	if err != nil {
		return err
	}
	if err := c.stockUp(ctx); err != nil {
		return err
	}
	if warm := c.drive(ctx, workload{orders: warmUpOrders, workers: 2}); len(warm.failures) > 0 {
		return fmt.Errorf("warm-up: %s", warm.failures[0])
	}
	if l.variant.Broker() {
		names, err := messaging.NewNames(l.variant.Name, l.cfg.RunID)
		if err != nil {
			return err
		}
		tctx, cancel := context.WithCancel(ctx)
		defer cancel()
		if err := m.tapEvents(tctx, l.cfg.AMQPURL, names); err != nil {
			return err
		}
	}
	m.reset()
	warmed, err := l.providerCalls(ctx)
	if err != nil {
		return err
	}
	before, err := cpuTime(f.procs)
	if err != nil {
		return err
	}
	fig.res = c.drive(ctx, w)
	time.Sleep(300 * time.Millisecond) // the events that follow a completion (order.completed, confirmations)
	fig.calls, fig.httpBytes, fig.amqpBytes, fig.events = m.calls.Load(), m.httpBytes.Load(), m.amqpBytes.Load(), m.events.Load()
	done, err := l.providerCalls(ctx)
	if err != nil {
		return err
	}
	if cold != nil {
		fig.idp = &idpFigures{warmUp: warmed.Since(*cold), workload: done.Since(*warmed)}
	}
	time.Sleep(1200 * time.Millisecond) // the batch exporters send at least every second
	fig.otlpBytes = m.otlpBytes.Load()
	after, err := cpuTime(f.procs)
	if err != nil {
		return err
	}
	fig.cpu = after - before
	if rpc := l.variant.Base != nil && l.variant.Base.Serve != nil; rpc {
		fig.calls = -1 // gRPC's calls are HTTP/2 streams: the bytes are counted, the calls not
	}
	var lag readModelLag
	if status, err := c.call(ctx, http.MethodGet, "/api/lab/read-model", nil, &lag); err == nil && status == http.StatusOK {
		fig.lag = &lag
	}
	_, fig.peakRSS = residentBytes(f.procs)
	fig.afterPSS = proportionalBytes(f.procs)
	return ctx.Err()
}

// warmUpOrders are the orders that warm a variant up before its workload.
const warmUpOrders = 4

// providerCalls reads the counts of the variant's identity provider (the
// auth process of a security pattern), nil when it runs none.
func (l *lab) providerCalls(ctx context.Context) (*auth.CallCounts, error) {
	if !slices.Contains(l.names(), "auth") {
		return nil, nil
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil}}
	defer hc.CloseIdleConnections()
	c, err := auth.ReadCalls(ctx, hc, "http://"+dialAddr(l.cfg.Addrs["auth"]))
	return &c, err
}

// outage stops the warehouse, tries an order every 250 ms while it is down,
// starts it again and finishes the orders that were taken.
func (l *lab) outage(ctx context.Context, f *fleet, c *shopper, d time.Duration, fig *figures) error {
	i := slices.Index(l.names(), "warehouse") // the processes in start order: a pattern's own (auth) come first
	old := f.procs[i]
	old.signal(syscall.SIGTERM)
	<-old.done
	for down := time.Now(); time.Since(down) < d && ctx.Err() == nil; _ = httpx.Sleep(ctx, 250*time.Millisecond) {
		fig.attempts++
		o, status, err := c.open(ctx, warehouse.Seed[10].ProductID)
		if err != nil {
			fig.refusedWith[status]++
			continue
		}
		fig.accepted = append(fig.accepted, o.OrderID)
	}
	exits := make(chan *proc, 1)
	p, err := startProc("warehouse", l.cfg.Addrs["warehouse"], l.procCommand("warehouse"), l.console.process(i, "warehouse"), exits)
	if err != nil {
		return err
	}
	f.procs[i] = p
	if err := waitReady(ctx, []*proc{p}, exits, l.cfg.ReadyTimeout); err != nil {
		return err
	}
	back := time.Now()
	for _, id := range fig.accepted {
		if err := c.finish(ctx, id, 1, back.Add(60*time.Second)); err == nil {
			fig.completed++
			fig.catchUp = time.Since(back)
		}
	}
	return ctx.Err()
}
