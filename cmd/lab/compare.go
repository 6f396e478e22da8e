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

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// compared are the variants lab compare measures, in the order of the table.
var compared = []string{"rest", "event-notification", "event-carried-state-transfer"}

// figures are what one variant measured.
type figures struct {
	variant      string
	res          result
	calls        int64 // synchronous calls between services
	httpBytes    int64
	amqpBytes    int64
	events       int64
	attempts     int      // orders tried while the warehouse was down
	accepted     []string // of those, the ones whose item was taken
	refusedWith  map[int]int
	completed    int           // accepted orders that completed after the restart
	catchUp      time.Duration // from the restart until the last of them completed
	invariants   []string
	startupTaken time.Duration
}

// compareCommand runs `lab compare`: the same bounded workload against rest,
// event-notification and event-carried-state-transfer, one after the other, each
// as processes on fresh data and free loopback ports, then the warehouse down
// for a while under a trickle of orders; it writes the table to docs/comparison.md.
func compareCommand(ctx context.Context, hurry <-chan os.Signal, root string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lab compare", flag.ContinueOnError)
	orders := fs.Int("orders", 200, "orders in the measured workload")
	workers := fs.Int("workers", 2, "orders in flight at once")
	outage := fs.Duration("outage", 10*time.Second, "how long the warehouse is down")
	out := fs.String("out", "docs/comparison.md", "where the table goes, relative to the repository root")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 || *orders < 1 || *workers < 1 || *orders > 5000 {
		return errors.Join(err, errors.New("usage: lab compare [-orders 200] [-workers 2] [-outage 10s] [-out docs/comparison.md]"))
	}
	cfg, err := config.LoadRunner(config.Env)
	if err != nil {
		return err
	}
	con := newConsole(io.Discard, false, names())
	var all []figures
	for _, name := range compared {
		v, err := lookup(name)
		if err != nil {
			return err
		}
		l := &lab{root: root, variant: v, cfg: cfg, console: con, hurry: hurry}
		l.command = l.selfCommand
		f, err := l.compare(ctx, workload{orders: *orders, workers: *workers}, *outage, stdout)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		all = append(all, f)
	}
	doc := comparisonDoc(all, workload{orders: *orders, workers: *workers}, *outage, strings.Join(args, " "))
	fmt.Fprint(stdout, "\n"+doc)
	path := *out
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
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
	if err := m.route(l.cfg.URLs); err != nil {
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
	c := &shopper{base: "http://" + l.cfg.Addrs["gateway"],
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}}}
	fmt.Fprintf(stdout, "%s: ready in %s; %d orders, %d at a time …\n", l.variant.Name, took.Round(time.Millisecond), w.orders, w.workers)
	if err := l.measure(ctx, c, m, w, &fig); err != nil {
		return fig, err
	}
	fmt.Fprintf(stdout, "%s: the warehouse goes down for %s …\n", l.variant.Name, outage)
	if err := l.outage(ctx, f, c, outage, &fig); err != nil {
		return fig, err
	}
	time.Sleep(500 * time.Millisecond) // the last reservations are confirmed beside the completion
	chk := &client{base: c.base, rec: &recorder{}, http: c.http}
	fig.invariants, err = chk.checkInvariants(ctx)
	return fig, err
}

// measure warms the lab up, then runs the workload with the meter zeroed.
func (l *lab) measure(ctx context.Context, c *shopper, m *meter, w workload, fig *figures) error {
	if warm := c.drive(ctx, workload{orders: 4, workers: 2}); len(warm.failures) > 0 {
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
	fig.res = c.drive(ctx, w)
	time.Sleep(300 * time.Millisecond) // the events that follow a completion (order.completed, confirmations)
	fig.calls, fig.httpBytes, fig.amqpBytes, fig.events = m.calls.Load(), m.httpBytes.Load(), m.amqpBytes.Load(), m.events.Load()
	return ctx.Err()
}

// outage stops the warehouse, tries an order every 250 ms while it is down,
// starts it again and finishes the orders that were taken.
func (l *lab) outage(ctx context.Context, f *fleet, c *shopper, d time.Duration, fig *figures) error {
	i := slices.Index(names(), "warehouse")
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
		if err := c.finish(ctx, id, back.Add(60*time.Second)); err == nil {
			fig.completed++
			fig.catchUp = time.Since(back)
		}
	}
	return ctx.Err()
}
