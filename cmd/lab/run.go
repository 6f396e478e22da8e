package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
)

// lab runs one variant: its five services and the gateway.
type lab struct {
	root    string // the repository root: bin/ and the default data folder are there
	variant app.Variant
	cfg     config.Runner
	console *console
	hurry   <-chan os.Signal // a second Ctrl-C: stop without waiting
	// command returns the command of one process, "gateway" or a service;
	// tests replace it with a fake.
	command func(name string) *exec.Cmd
	// procEnv, when set, adds settings of one process's own to its environment
	// (later settings win): lab compare points the services at its meters.
	procEnv func(name string) []string
	browser bool // smoke also runs the UI's browser tests
	// companionEnv is what the running companions (app.Companion) tell every process.
	companionEnv []string
}

// fleet is the running processes of a lab.
type fleet struct {
	procs []*proc
	exits chan *proc
	files []*os.File // the processes' kept lines (lab logs)
}

// names returns the processes of a lab in start order: the services, then the gateway.
func names() []string {
	return append(append([]string(nil), config.Services...), "gateway")
}

// names returns the processes of this lab in start order: the extra
// processes of its patterns (the identity provider …), which the services
// need from their start, then the services (every instance of each, with
// LAB_REPLICAS: warehouse, warehouse-2 …), then the gateway.
func (l *lab) names() []string {
	out := l.variant.ProcessNames(config.Env)
	for _, svc := range config.Services {
		if ins := l.cfg.Instances[svc]; len(ins) > 1 {
			for _, in := range ins {
				out = append(out, in.Name)
			}
			continue
		}
		out = append(out, svc)
	}
	return append(out, "gateway")
}

// selfCommand runs one process of the variant with this very binary:
// lab serve <variant> <service>, and lab serve <variant> gateway.
func (l *lab) selfCommand(name string) *exec.Cmd {
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	return exec.Command(self, "serve", l.variant.Name, config.ServiceOf(name))
}

// run starts the lab and keeps it running until ctx is done (Ctrl-C) or a process dies.
func (l *lab) run(ctx context.Context) error {
	cs, err := l.startCompanions(ctx)
	if errors.Is(err, errInterrupted) {
		l.console.Printf("lab: stopped")
		return exitCode(130)
	}
	l.companionEnv = cs.env
	f, took, err := l.start(ctx)
	if errors.Is(err, errInterrupted) {
		// Stopped before it was ready: say so, and exit as an interrupted command does.
		cs.stop(l)
		l.console.Printf("lab: stopped")
		return exitCode(130)
	}
	if err != nil {
		cs.stop(l)
		return err
	}
	l.console.Printf("lab: %s ready in %s — open %s", l.variant.Name, took.Round(time.Millisecond), l.publicURL())
	defer l.console.Printf("lab: stopped")
	defer cs.stop(l) // the companions stop after the variant, before the last line
	select {
	case <-ctx.Done():
		l.console.Printf("lab: stopping %s", l.variant.Name)
		l.stop(f)
		return nil
	case p := <-f.exits:
		l.stop(f)
		return fmt.Errorf("%s exited unexpectedly (%v), so the others were stopped%s", p.name, p.err, tailText(p.out, 5))
	}
}

// start checks the ports and the broker, starts every process and waits until
// each is ready. It answers how long the processes took to be ready. On an
// error nothing is left running.
func (l *lab) start(ctx context.Context) (*fleet, time.Duration, error) {
	if err := l.checkReplicas(); err != nil {
		return nil, 0, err
	}
	if err := checkPorts(l.names(), l.cfg.Addrs); err != nil {
		return nil, 0, err
	}
	if err := l.prepareDatabase(ctx); err != nil {
		return nil, 0, err
	}
	if l.variant.Broker() {
		mgmt, err := checkBroker(l.variant.Name, l.cfg.AMQPURL)
		if err != nil {
			return nil, 0, err
		}
		if mgmt != "" {
			l.console.Printf("lab: RabbitMQ management at %s", mgmt)
		}
	}
	if err := os.MkdirAll(filepath.Join(l.dataDir(), l.variant.Name), 0o755); err != nil {
		return nil, 0, fmt.Errorf("create the data folder: %w", err)
	}
	begin := time.Now()
	f, err := l.spawn()
	if err == nil {
		err = waitReady(ctx, f.procs, f.exits, l.cfg.ReadyTimeout)
	}
	if err != nil {
		if f != nil {
			l.stop(f)
		}
		return nil, 0, err
	}
	return f, time.Since(begin), nil
}

// spawn starts every process; when one cannot start, it stops those started.
func (l *lab) spawn() (*fleet, error) {
	all := l.names()
	f := &fleet{exits: make(chan *proc, len(all))}
	for i, name := range all {
		out := l.console.process(i, name)
		if err := l.keepLines(f, out, name); err != nil {
			l.stop(f)
			return nil, err
		}
		p, err := startProc(name, l.cfg.Addrs[name], l.procCommand(name), out, f.exits)
		if err != nil {
			l.stop(f)
			return nil, err
		}
		f.procs = append(f.procs, p)
	}
	return f, nil
}

// procCommand is the command of one process, in the repository root, with the
// caller's environment, the runner's settings and the process's own (procEnv).
func (l *lab) procCommand(name string) *exec.Cmd {
	cmd := l.command(name)
	cmd.Dir, cmd.Env = l.root, append(os.Environ(), l.env()...)
	cmd.Env = append(cmd.Env, l.instanceEnv(name)...)
	if l.procEnv != nil {
		cmd.Env = append(cmd.Env, l.procEnv(name)...)
	}
	return cmd
}

func (l *lab) stop(f *fleet) {
	stopAll(f.procs, l.cfg.StopGrace, l.hurry)
	for _, file := range f.files {
		file.Close()
	}
	f.files = nil
}

// env is what the runner tells every process, on top of the caller's environment
// (from which it was derived, so that a caller's setting wins).
func (l *lab) env() []string {
	env := []string{"LAB_VARIANT=" + l.variant.Name, "LAB_DATA_DIR=" + l.dataDir()}
	urls := l.cfg.URLs.ByName()
	for _, name := range l.names() {
		if config.ServiceOf(name) != name {
			continue // a second instance: instanceEnv says where it listens
		}
		upper := strings.ToUpper(name)
		env = append(env, upper+"_ADDR="+l.cfg.Addrs[name])
		if ins := l.cfg.Instances[name]; len(ins) > 1 {
			env = append(env, upper+"_URL="+l.cfg.InstanceURLs(name, 0))
		} else if u, ok := urls[name]; ok {
			env = append(env, upper+"_URL="+u)
		} else if u, ok := l.cfg.URLOf[name]; ok && name != "gateway" {
			env = append(env, upper+"_URL="+u)
		}
	}
	if l.cfg.RunID != "" {
		env = append(env, "LAB_RUN_ID="+l.cfg.RunID)
	}
	env = append(env, l.databaseEnv()...)
	env = append(env, l.procsEnv()...)
	return append(env, l.companionEnv...)
}

// procsEnv gives every process its share of the machine's CPUs as its
// GOMAXPROCS (procsEach), unless the caller set GOMAXPROCS, which every
// process then inherits as it is (GOMAXPROCS=2 on two CPUs: Go's default).
func (l *lab) procsEnv() []string {
	if v, callers := runnerProcs(len(l.names())); !callers {
		return []string{"GOMAXPROCS=" + v}
	}
	return nil
}

// runnerProcs is the GOMAXPROCS each of n processes the runner starts runs
// at, and whether it is the caller's (GOMAXPROCS, inherited as it is) rather
// than their share of the CPUs (procsEach).
func runnerProcs(n int) (string, bool) {
	if v, set := os.LookupEnv("GOMAXPROCS"); set {
		return v, true
	}
	return strconv.Itoa(procsEach(runtime.GOMAXPROCS(0), n)), false
}

// procsEach is the GOMAXPROCS of each of n processes that share cpus CPUs:
// their share, rounded up, at least 1 — on two CPUs, 1 for rest's six.
//
// Go gives each process as many Ps as the machine has CPUs; the lab's
// processes are several on one machine, and each mostly waits, so at Go's
// default every request readies a goroutine for which the runtime wakes a
// second thread, and each process pays for the wake-ups of its own spare
// Ps. On two CPUs, with one P each, lab compare's rest (300 orders, two in
// flight; three alternated runs against GOMAXPROCS=2, Go's default there)
// completed 99.4, 100.6 and 113.5 orders/s against 81.0, 89.8 and 90.3, at
// 10.7, 10.8 and 9.5 ms of CPU per order against 15.0, 13.1 and 12.8, and a
// p50 of 19.7, 19.2 and 16.8 ms against 24.2, 22.0 and 21.4; lab
// bench-gateway counts the threads' switches per request (its
// "GOMAXPROCS=" rows).
func procsEach(cpus, n int) int {
	return max(1, (cpus+n-1)/max(n, 1))
}

// dataDir is the data folder, relative to the repository root unless absolute.
func (l *lab) dataDir() string {
	if filepath.IsAbs(l.cfg.DataDir) {
		return l.cfg.DataDir
	}
	return filepath.Join(l.root, l.cfg.DataDir)
}

// publicURL is where a browser on this machine finds the gateway.
func (l *lab) publicURL() string {
	host, port, err := net.SplitHostPort(l.cfg.Addrs["gateway"])
	if err != nil {
		return "http://" + l.cfg.Addrs["gateway"]
	}
	switch host {
	case "", "0.0.0.0", "::", "127.0.0.1", "::1":
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
