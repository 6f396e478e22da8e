package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
)

// pollEvery is how often the runner asks a process whether it is ready.
const pollEvery = 20 * time.Millisecond

// errInterrupted says that the user stopped the runner (Ctrl-C, SIGTERM).
var errInterrupted = errors.New("interrupted")

// probe remembers the last answer of one process's /readyz.
type probe struct {
	mu   sync.Mutex
	last string
}

func (p *probe) set(s string) { p.mu.Lock(); p.last = s; p.mu.Unlock() }
func (p *probe) get() string  { p.mu.Lock(); defer p.mu.Unlock(); return p.last }

// waitReady returns once every process answers 200 on /readyz. It fails as soon
// as a process exits, or when timeout has passed, naming the process and its last lines.
func waitReady(ctx context.Context, procs []*proc, exits <-chan *proc, timeout time.Duration) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	client := &http.Client{Timeout: 500 * time.Millisecond, Transport: &http.Transport{Proxy: nil}}
	defer client.CloseIdleConnections()
	readyc := make(chan *proc, len(procs))
	probes := map[*proc]*probe{}
	for _, p := range procs {
		probes[p] = &probe{last: "no answer yet"}
		go poll(ctx, client, p, probes[p], readyc)
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	pending := map[*proc]bool{}
	for _, p := range procs {
		pending[p] = true
	}
	for len(pending) > 0 {
		select {
		case p := <-readyc:
			delete(pending, p)
		case p := <-exits:
			return fmt.Errorf("%s exited before it was ready (%v)%s", p.name, p.err, tailText(p.out, 5))
		case <-deadline.C:
			return notReady(pendingProcs(procs, pending), probes, timeout)
		case <-ctx.Done():
			return errInterrupted
		}
	}
	return nil
}

// notReady names the first process that is not ready, what its /readyz said
// last, the others that are not ready either, and its last lines.
func notReady(waiting []*proc, probes map[*proc]*probe, timeout time.Duration) error {
	p, also := waiting[0], ""
	if len(waiting) > 1 {
		also = "; not ready either: " + joinNames(waiting[1:])
	}
	return fmt.Errorf("%s is not ready after %s (/readyz: %s)%s%s", p.name, timeout, probes[p].get(), also, tailText(p.out, 5))
}

// pendingProcs returns the processes, in start order, that are not ready.
func pendingProcs(procs []*proc, pending map[*proc]bool) []*proc {
	var out []*proc
	for _, p := range procs {
		if pending[p] {
			out = append(out, p)
		}
	}
	return out
}

func joinNames(procs []*proc) string {
	names := make([]string, len(procs))
	for i, p := range procs {
		names[i] = p.name
	}
	return strings.Join(names, ", ")
}

// poll asks p's /readyz until it answers 200, then sends p on readyc.
func poll(ctx context.Context, client *http.Client, p *proc, pr *probe, readyc chan<- *proc) {
	url := "http://" + config.DialAddr(p.addr) + "/readyz"
	for {
		if status, err := get(ctx, client, url); err != nil {
			pr.set(err.Error())
		} else if status == http.StatusOK {
			readyc <- p
			return
		} else {
			pr.set(fmt.Sprintf("%d %s", status, http.StatusText(status)))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pollEvery):
		}
	}
}

func get(ctx context.Context, client *http.Client, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
