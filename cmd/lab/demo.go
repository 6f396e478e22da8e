package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/faults"
)

// demoRun is what one variant did under a demo's load.
type demoRun struct {
	variant  string
	rec      *recorder
	wall     time.Duration
	reached  uint64   // requests that reached the demo's downstream service
	problems []string // invariants that do not hold
}

// demoCommand runs `lab demo <variant> [-logs]`: the baseline (the variant's base
// alone) and the variant, one after the other, each as processes on fresh data
// and free loopback ports, under the same bounded load and the same faults; then
// a table side by side, with the contract's invariants checked after each run.
func demoCommand(ctx context.Context, hurry <-chan os.Signal, root string, args []string, stdout io.Writer) error {
	name, logs, err := demoArgs(args[1:])
	if err != nil {
		return err
	}
	v, err := lookup(name)
	if err != nil {
		return err
	}
	sc, err := scenarioOf(root, v)
	if err != nil {
		return err
	}
	cfg, err := config.LoadRunner(config.Env)
	if err != nil {
		return err
	}
	out := io.Discard
	if logs {
		out = stdout
	}
	con := newConsole(out, false, names())
	baseline, err := app.Compose(v.Base)
	if err != nil {
		return err
	}
	variants := []app.Variant{baseline, v}
	fmt.Fprint(stdout, "\n"+sc.describe())
	runs := make([]demoRun, len(variants))
	for i, v := range variants {
		l := &lab{root: root, variant: v, cfg: cfg, console: con, hurry: hurry}
		l.command = l.selfCommand
		l.procEnv = func(string) []string { return demoEnv(sc.env) }
		if runs[i], err = l.demo(ctx, sc, stdout); err != nil {
			return err
		}
	}
	return report(stdout, sc, runs)
}

// demoArgs reads the arguments of lab demo; the flags may come before or after the variant's name.
func demoArgs(args []string) (name string, logs bool, err error) {
	fs := flag.NewFlagSet("lab demo", flag.ContinueOnError)
	fs.BoolVar(&logs, "logs", false, "show the processes' logs")
	usage := errors.New("usage: lab demo <variant> [-logs]")
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		return "", false, errors.Join(err, usage)
	}
	name = fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil || fs.NArg() > 0 {
		return "", false, errors.Join(err, usage)
	}
	return name, logs, nil
}

// demoEnv is the demo's settings for the processes it starts, but for those the
// caller has set: a caller's setting wins.
func demoEnv(env map[string]string) []string {
	var out []string
	yours := config.Lookup(sortedKeys(env)...)
	for _, k := range sortedKeys(env) {
		if yours[k] == "" {
			out = append(out, k+"="+env[k])
		}
	}
	return out
}

// demo starts the lab on fresh data and free ports, puts the faults in force,
// drives the load, lifts the faults, checks the invariants and stops the lab.
func (l *lab) demo(ctx context.Context, sc scenario, stdout io.Writer) (demoRun, error) {
	run := demoRun{variant: l.variant.Name, rec: &recorder{}}
	data, err := os.MkdirTemp("", "lab-demo-")
	if err != nil {
		return run, err
	}
	defer os.RemoveAll(data)
	if err := l.freshConfig(data); err != nil {
		return run, err
	}
	defer l.teardown() // after the stop: deferred calls run last first
	f, took, err := l.start(ctx)
	if err != nil {
		return run, err
	}
	defer l.stop(f)
	fmt.Fprintf(stdout, "%s: ready in %s, driving the load …\n", l.variant.Name, took.Round(time.Millisecond))
	c := &client{base: "http://" + l.cfg.Addrs["gateway"], rec: run.rec,
		http: &http.Client{Timeout: time.Minute, Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}}}
	before, err := c.setFaults(ctx, sc.faults, sc.downstream)
	if err != nil {
		return run, err
	}
	run.wall = c.drive(ctx, sc.load)
	after, err := c.setFaults(ctx, nil, sc.downstream)
	if err != nil {
		return run, err
	}
	run.reached = after - before
	if ctx.Err() != nil {
		return run, errInterrupted
	}
	run.problems, err = c.checkInvariants(ctx)
	return run, err
}

// freshConfig points the lab at the data folder and at free loopback ports, so
// that a demo never meets a lab already running.
func (l *lab) freshConfig(data string) error {
	l.cfg.DataDir = data
	l.cfg.RunID = fmt.Sprintf("demo-%d", time.Now().UnixNano())
	l.cfg.Addrs = map[string]string{}
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for _, name := range l.names() { // the patterns' own processes (auth) too
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("find a free port: %w", err)
		}
		lns = append(lns, ln)
		l.cfg.Addrs[name] = ln.Addr().String()
	}
	u := func(name string) string { return "http://" + l.cfg.Addrs[name] }
	l.cfg.URLOf = map[string]string{}
	for _, name := range l.names() {
		l.cfg.URLOf[name] = u(name)
	}
	l.cfg.URLs = config.URLs{Customers: u("customers"), Ordering: u("ordering"), Warehouse: u("warehouse"),
		Shipping: u("shipping"), Billing: u("billing")}
	return nil
}

// setFaults puts the faults in force (nil lifts them from every service) and
// answers how many requests the downstream service had seen until then.
func (c *client) setFaults(ctx context.Context, fs map[string]faults.Settings, downstream string) (uint64, error) {
	st, err := faults.Client{URL: faults.ViaGateway(c.base, downstream).URL, HTTP: c.http}.Get(ctx)
	if err != nil {
		return 0, err
	}
	for _, name := range config.Services {
		fc := faults.ViaGateway(c.base, name)
		fc.HTTP = c.http
		if _, err := fc.Set(ctx, fs[name]); err != nil {
			return 0, err
		}
	}
	return st.Requests, nil
}

// report prints the table and says whether the invariants held everywhere.
func report(w io.Writer, sc scenario, runs []demoRun) error {
	rows, quiet := tableRows(sc, runs)
	fmt.Fprintln(w)
	printTable(w, rows)
	for _, step := range quiet {
		fmt.Fprintf(w, "(%s: every request ok in every run, so not shown)\n", step)
	}
	var broken []string
	for _, r := range runs {
		for _, p := range r.problems {
			broken = append(broken, r.variant+": "+p)
		}
	}
	if len(broken) > 0 {
		return fmt.Errorf("invariants broken:\n  %s", strings.Join(broken, "\n  "))
	}
	fmt.Fprintln(w, "\ninvariants hold after both runs: stock conserved, no order with two shipments or invoices, every completed order billed once")
	return nil
}

// tableRows are the rows of the table, a column per run, and the steps left
// out because nothing failed in them.
func tableRows(sc scenario, runs []demoRun) (rows [][]string, quiet []string) {
	row := func(label string, cell func(r demoRun) string) {
		cells := []string{label}
		for _, r := range runs {
			cells = append(cells, cell(r))
		}
		rows = append(rows, cells)
	}
	row("", func(r demoRun) string { return r.variant })
	row("orders placed", func(r demoRun) string { s := r.rec.stats(stepCreate); return fmt.Sprint(s.ok + s.failed) })
	for _, step := range []string{stepCreate, stepAdd, stepConfirm} {
		switch failed, taken := failures(runs, step); {
		case !taken:
			continue
		case failed == 0 && step == stepCreate:
			quiet = append(quiet, step)
			continue
		}
		stat := func(f func(s stats) string) func(r demoRun) string {
			return func(r demoRun) string { return f(r.rec.stats(step)) }
		}
		row(step+": ok", stat(func(s stats) string { return fmt.Sprint(s.ok) }))
		row("  failed", stat(func(s stats) string { return fmt.Sprint(s.failed) }))
		row(fmt.Sprintf("  of which fast (< %s)", ms(fastFail)), stat(func(s stats) string { return fmt.Sprint(s.fast) }))
		row("  p50", stat(func(s stats) string { return ms(s.p50) }))
		row("  p99", stat(func(s stats) string { return ms(s.p99) }))
	}
	row("requests that reached "+sc.downstream, func(r demoRun) string { return fmt.Sprint(r.reached) })
	row("wall time", func(r demoRun) string { return ms(r.wall) })
	row("invariants", func(r demoRun) string { return map[bool]string{true: "hold", false: "BROKEN"}[len(r.problems) == 0] })
	return rows, quiet
}

// failures counts the failed requests of a step over the runs, and says whether the step was taken at all.
func failures(runs []demoRun, step string) (failed int, taken bool) {
	for _, r := range runs {
		s := r.rec.stats(step)
		failed += s.failed
		taken = taken || s.ok+s.failed > 0
	}
	return failed, taken
}

// printTable prints rows with the first column aligned left and the others right.
func printTable(w io.Writer, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], len(cell))
		}
	}
	for _, r := range rows {
		line := fmt.Sprintf("%-*s", widths[0], r[0])
		for i, cell := range r[1:] {
			line += fmt.Sprintf("  %*s", max(widths[i+1], 8), cell)
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}
