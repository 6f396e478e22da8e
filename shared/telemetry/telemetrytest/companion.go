package telemetrytest

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// Companion is a pattern's companion (app.Companion) running for a test.
type Companion struct {
	Run *app.CompanionRun
	Dir string // where it was prepared
	out testenv.Buffer
}

// StartCompanion prepares the companion from s, in s.Dir or a fresh folder,
// skips the test as lab run refuses to start without its program (or fails
// it under CI=true), runs its command there until the test ends, and waits until its Ready URL
// answers 200, within its ReadyTimeout (a minute when zero); otherwise the
// test fails with what the companion printed.
func StartCompanion(t *testing.T, comp app.Companion, s app.CompanionScope) *Companion {
	t.Helper()
	if s.Dir == "" {
		s.Dir = t.TempDir()
	}
	run, err := comp.Prepare(s)
	if err != nil {
		t.Fatalf("prepare the %s: %v", comp.Name, err)
	}
	testenv.Program(t, run.Command[0], run.Missing)
	c := &Companion{Run: run, Dir: s.Dir}
	cmd := exec.Command(run.Command[0], run.Command[1:]...)
	cmd.Dir = s.Dir
	cmd.Stdout, cmd.Stderr = &c.out, &c.out
	ownGroup(cmd) // a program such as `go tool` runs the companion as its child: stop both
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the %s: %v", comp.Name, err)
	}
	t.Cleanup(func() { stop(cmd) })
	wait := run.ReadyTimeout
	if wait == 0 {
		wait = time.Minute
	}
	c.poll(t, wait, "the "+comp.Name+" to answer at "+run.Ready, func() bool {
		resp, err := http.Get(run.Ready)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return c
}

// Output is what the companion has printed so far.
func (c *Companion) Output() string { return c.out.String() }

// Env is what the companion tells every process of the variant
// (CompanionRun.Env), as a stack's environment.
func (c *Companion) Env() map[string]string {
	env := map[string]string{}
	for _, kv := range c.Run.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

// Eventually polls cond every half second until it holds, and fails the test
// with what the companion printed if it does not within a minute: what a
// companion is sent shows in seconds (Prometheus scrapes every 5 s, the
// viewer takes spans as they come).
func (c *Companion) Eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	c.poll(t, time.Minute, what, cond)
}

func (c *Companion) poll(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("not within %s: %s; %s said:\n%s", timeout, what, c.Run.Command[0], c.Output())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// FreePort returns a loopback port that was free a moment ago, as a
// companion's setting takes it.
func FreePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
