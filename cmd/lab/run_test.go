package main

import (
	"bufio"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/asynctest"
	"github.com/microservice-patterns/lab/shared/config"
)

func TestLab_start(t *testing.T) {
	t.Run("waits until every process is ready", func(t *testing.T) {
		l, out := newTestLab(t, nil)
		f, took, err := l.start(context.Background())
		if err != nil {
			t.Fatalf("start: %v\n%s", err, out)
		}
		if took <= 0 || took > 20*time.Second {
			t.Errorf("ready after %s", took)
		}
		for _, p := range f.procs {
			if p.exited() {
				t.Errorf("%s has exited", p.name)
			}
		}
		l.stop(f)
		mustBeFree(t, l.cfg.Addrs)
		if !strings.Contains(out.String(), "ordering  | ordering starting (ready)") {
			t.Errorf("the output has no prefixed line of ordering:\n%s", out)
		}
	})
	t.Run("names a process that exits before it is ready", func(t *testing.T) {
		l, _ := newTestLab(t, map[string]string{"billing": "exit"})
		_, _, err := l.start(context.Background())
		if err == nil || !strings.HasPrefix(err.Error(), "billing exited before it was ready (exit status 3)") ||
			!strings.Contains(err.Error(), "disk on fire") {
			t.Fatalf("got %v, want billing named with its last line", err)
		}
		mustBeFree(t, l.cfg.Addrs)
	})
	t.Run("names a process that is not ready in time", func(t *testing.T) {
		l, _ := newTestLab(t, map[string]string{"warehouse": "never", "ordering": "never"})
		l.cfg.ReadyTimeout = 6 * time.Second // long enough for the fakes to start on a loaded machine
		_, _, err := l.start(context.Background())
		want := "warehouse is not ready after 6s (/readyz: 503 Service Unavailable); not ready either: ordering; its last lines:"
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("got %v, want %q", err, want)
		}
		mustBeFree(t, l.cfg.Addrs)
	})
	t.Run("refuses a port in use and starts nothing", func(t *testing.T) {
		l, out := newTestLab(t, nil)
		ln := mustListen(t, l.cfg.Addrs["ordering"])
		defer ln.Close()
		_, _, err := l.start(context.Background())
		if _, port, _ := strings.Cut(l.cfg.Addrs["ordering"], ":"); err == nil || err.Error() != "port "+port+" for ordering is in use" {
			t.Fatalf("got %v, want the port of ordering named", err)
		}
		if out.String() != "" {
			t.Errorf("something started:\n%s", out)
		}
	})
}

func TestLab_run(t *testing.T) {
	t.Run("stops every process when interrupted", func(t *testing.T) {
		l, out := newTestLab(t, map[string]string{"shipping": "stubborn"})
		l.cfg.StopGrace = 200 * time.Millisecond
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- l.run(ctx) }()
		waitFor(t, out, "ready in")
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Fatalf("run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("run did not return within 5s of the interrupt")
		}
		mustBeFree(t, l.cfg.Addrs)
	})
	t.Run("says it stopped and exits 130 when interrupted before it is ready", func(t *testing.T) {
		l, out := newTestLab(t, map[string]string{"warehouse": "never"})
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- l.run(ctx) }()
		waitFor(t, out, "warehouse starting (never)")
		cancel()
		select {
		case err := <-errc:
			if err != exitCode(130) {
				t.Fatalf("run: got %v, want exit status 130", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("run did not return within 10s of the interrupt")
		}
		if !strings.HasSuffix(out.String(), "lab: stopped\n") {
			t.Errorf("the output does not end with lab: stopped:\n%s", out)
		}
		mustBeFree(t, l.cfg.Addrs)
	})
	t.Run("stops all when a process dies", func(t *testing.T) {
		l, _ := newTestLab(t, map[string]string{"ordering": "die"})
		err := l.run(context.Background())
		if err == nil || !strings.HasPrefix(err.Error(), "ordering exited unexpectedly (exit status 4)") ||
			!strings.Contains(err.Error(), "out of memory") {
			t.Fatalf("got %v, want ordering named with its last line", err)
		}
		mustBeFree(t, l.cfg.Addrs)
	})
}

// TestMain_interrupt runs the runner as a process on a fake variant, interrupts
// it as Ctrl-C does, and checks that it exits 0 and leaves every port free.
func TestMain_interrupt(t *testing.T) {
	root := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(root, "go.mod"), "module fake\n")
	if err := os.Symlink(self, filepath.Join(root, "lab")); err != nil {
		t.Fatal(err)
	}
	addrs := mustFreeAddrs(t)
	cmd := exec.Command(filepath.Join(root, "lab"), "run", "rest")
	cmd.Dir = root
	cmd.Env = os.Environ()
	for k, v := range addrEnv(addrs) {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Never hang: a runner that does not stop is killed, and the test fails below.
	watchdog := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
	defer watchdog.Stop()
	lines := bufio.NewScanner(stdout)
	for lines.Scan() && !strings.Contains(lines.Text(), "ready in") {
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the runner exited with %v, want 0", err)
	}
	mustBeFree(t, addrs)
}

func TestCheckBroker(t *testing.T) {
	t.Run("says how to start one when none answers", func(t *testing.T) {
		_, err := checkBroker("event-notification", "amqp://guest:secret@"+mustFreeAddrs(t)["gateway"]+"/")
		if err == nil || !strings.Contains(err.Error(), "apt-get install rabbitmq-server") ||
			!strings.Contains(err.Error(), "docker run") || strings.Contains(err.Error(), "secret") {
			t.Fatalf("got %v, want the ways to start one, and no password", err)
		}
	})
	t.Run("says so when the port does not speak AMQP", func(t *testing.T) {
		ln := mustListen(t, "127.0.0.1:0")
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		_, err := checkBroker("event-notification", "amqp://"+ln.Addr().String()+"/")
		if err == nil || !strings.Contains(err.Error(), "not as RabbitMQ") {
			t.Fatalf("got %v, want the port named as not RabbitMQ", err)
		}
	})
	t.Run("names wrong credentials at once", func(t *testing.T) {
		good := asynctest.Broker(t)
		u, err := url.Parse(good)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword("nobody", "wrong")
		begin := time.Now()
		_, err = checkBroker("event-notification", u.String())
		if err == nil || !strings.Contains(err.Error(), "username or password not allowed") || strings.Contains(err.Error(), "wrong") {
			t.Fatalf("got %v, want the cause in one line, and no password", err)
		}
		if took := time.Since(begin); took > 5*time.Second {
			t.Errorf("took %s", took)
		}
		if _, err := checkBroker("event-notification", good); err != nil {
			t.Errorf("the test broker: %v", err)
		}
	})
}

// waitFor waits until out holds s.
func waitFor(tb testing.TB, out *syncBuffer, s string) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), s) {
		if time.Now().After(deadline) {
			tb.Fatalf("no %q in the output within 10s:\n%s", s, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLab_env(t *testing.T) {
	env := map[string]string{"LAB_PORT_BASE": "9080", "ORDERING_ADDR": ":9999", "BILLING_URL": "http://billing:80"}
	cfg, err := config.LoadRunner(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	v, _ := lookup("rest")
	l := &lab{root: "/repo", variant: v, cfg: cfg}
	got := strings.Join(l.env(), " ")
	for _, want := range []string{"LAB_VARIANT=rest", "LAB_DATA_DIR=/repo/data", "GATEWAY_ADDR=127.0.0.1:9080",
		"CUSTOMERS_ADDR=127.0.0.1:9081", "CUSTOMERS_URL=http://127.0.0.1:9081", "ORDERING_ADDR=:9999",
		"ORDERING_URL=http://127.0.0.1:9999", "BILLING_ADDR=127.0.0.1:9085", "BILLING_URL=http://billing:80"} {
		if !strings.Contains(" "+got+" ", " "+want+" ") {
			t.Errorf("no %s in %s", want, got)
		}
	}
	if got := l.publicURL(); got != "http://localhost:9080" {
		t.Errorf("publicURL: got %s", got)
	}
}

func TestProcsEach(t *testing.T) {
	for _, c := range []struct{ cpus, n, want int }{
		{2, 6, 1}, {1, 6, 1}, {6, 6, 1}, {7, 6, 2}, {8, 6, 2}, {16, 6, 3}, {4, 1, 4}, {2, 7, 1},
	} {
		if got := procsEach(c.cpus, c.n); got != c.want {
			t.Errorf("procsEach(%d CPUs, %d processes) = %d, want %d", c.cpus, c.n, got, c.want)
		}
	}
}

// The runner gives its processes their share of the CPUs as GOMAXPROCS,
// unless the caller set one, which they inherit unchanged.
func TestLab_envSetsGOMAXPROCSUnlessTheCallerDid(t *testing.T) {
	cfg, err := config.LoadRunner(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	v, _ := lookup("rest")
	l := &lab{root: "/repo", variant: v, cfg: cfg}
	t.Setenv("GOMAXPROCS", "3")
	for _, kv := range l.env() {
		if strings.HasPrefix(kv, "GOMAXPROCS=") {
			t.Errorf("the caller set GOMAXPROCS=3, and the runner adds %s", kv)
		}
	}
	os.Unsetenv("GOMAXPROCS") // t.Setenv puts it back after the test
	want := "GOMAXPROCS=" + strconv.Itoa(procsEach(runtime.GOMAXPROCS(0), len(l.names())))
	if got := strings.Join(l.env(), " "); !strings.Contains(" "+got+" ", " "+want+" ") {
		t.Errorf("no %s in %s", want, got)
	}
	// A process the runner starts runs with it.
	l.root = t.TempDir() // its working folder
	l.command = func(string) *exec.Cmd { return exec.Command("sh", "-c", `echo "GOMAXPROCS=$GOMAXPROCS"`) }
	out, err := l.procCommand("gateway").Output()
	if err != nil || strings.TrimSpace(string(out)) != want {
		t.Errorf("a process the runner starts sees %q (%v), want %s", out, err, want)
	}
}
