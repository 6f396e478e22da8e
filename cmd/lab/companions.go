package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
)

// companions are the running companions of a lab (app.Companion): the trace
// viewer, Prometheus. Nothing in the variant depends on them, so one that
// cannot start is reported and left out, and one that dies later stops nothing.
type companions struct {
	procs []*proc
	env   []string // what the variant's processes are told to reach them
}

// startCompanions starts the companions of the variant's patterns, one after
// the other, each waited for until it is ready, so that the services' first
// spans and scrapes find them.
func (l *lab) startCompanions(ctx context.Context) (*companions, error) {
	cs := &companions{}
	list := l.variant.Companions(config.Env)
	for i, c := range list {
		l.console.widen(c.Name)
		p, env, err := l.startCompanion(ctx, len(l.names())+i, c)
		if errors.Is(err, errInterrupted) {
			cs.stop(l)
			return nil, err
		}
		if err != nil {
			l.console.Printf("lab: %s: %v; the variant runs without it", c.Name, err)
			continue
		}
		cs.procs = append(cs.procs, p)
		cs.env = append(cs.env, env...)
	}
	return cs, nil
}

// startCompanion prepares one companion, starts it and waits until it is ready.
func (l *lab) startCompanion(ctx context.Context, colour int, c app.Companion) (*proc, []string, error) {
	dir := filepath.Join(l.dataDir(), l.variant.Name, "companions", strings.ReplaceAll(c.Name, " ", "-"))
	if err := os.RemoveAll(dir); err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	run, err := c.Prepare(app.CompanionScope{Variant: l.variant.Name, Root: l.root, Dir: dir, Env: config.Env, Targets: l.targets()})
	if err != nil {
		return nil, nil, fmt.Errorf("prepare: %w", err)
	}
	if _, err := exec.LookPath(run.Command[0]); err != nil {
		return nil, nil, fmt.Errorf("%s is not installed: %s", run.Command[0], run.Missing)
	}
	if busy := listening(run.Ready); busy != "" {
		return nil, nil, fmt.Errorf("%s is taken already (another one running?)", busy)
	}
	if run.Notice != "" {
		l.console.Printf("lab: %s: %s", c.Name, run.Notice)
	}
	cmd := exec.Command(run.Command[0], run.Command[1:]...)
	cmd.Dir, cmd.Env = l.root, os.Environ()
	exits := make(chan *proc, 1)
	p, err := startProc(c.Name, "", cmd, l.console.process(colour, c.Name), exits)
	if err != nil {
		return nil, nil, err
	}
	timeout := run.ReadyTimeout
	if timeout == 0 {
		timeout = time.Minute
	}
	if err := waitURL(ctx, run.Ready, timeout, exits); err != nil {
		stopAll([]*proc{p}, l.cfg.StopGrace, l.hurry)
		if errors.Is(err, errInterrupted) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("%v%s", err, tailText(p.out, 5))
	}
	l.console.Printf("lab: %s at %s", c.Name, run.Open)
	return p, run.Env, nil
}

// targets are the variant's processes, as a scraper reaches them.
func (l *lab) targets() []app.Target {
	var out []app.Target
	for _, name := range l.names() {
		out = append(out, app.Target{Name: name, Addr: dialAddr(l.cfg.Addrs[name])})
	}
	return out
}

// dialAddr turns a listen address into one a client on this machine dials.
func dialAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// listening returns the host:port of rawURL when something answers there
// already, else "".
func listening(rawURL string) string {
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		return ""
	}
	c, err := net.DialTimeout("tcp", req.URL.Host, 200*time.Millisecond)
	if err != nil {
		return ""
	}
	c.Close()
	return req.URL.Host
}

// waitURL waits until rawURL answers 200, the process exits, ctx ends or timeout passes.
func waitURL(ctx context.Context, rawURL string, timeout time.Duration, exits <-chan *proc) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil}}
	defer client.CloseIdleConnections()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if resp, err := client.Get(rawURL); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case p := <-exits:
			return fmt.Errorf("it exited before it was ready (%v)", p.err)
		case <-deadline.C:
			return fmt.Errorf("not ready after %s", timeout)
		case <-ctx.Done():
			return errInterrupted
		case <-tick.C:
		}
	}
}

func (cs *companions) stop(l *lab) {
	if cs != nil {
		stopAll(cs.procs, l.cfg.StopGrace, l.hurry)
	}
}
