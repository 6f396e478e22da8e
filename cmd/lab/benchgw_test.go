package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// TestBenchGateway runs lab bench-gateway for one short round: the
// gateway, the bare proxy (alone, with the gateway's timeouts, and with
// those, a request id and the access line) and nginx
// (when installed) each serve wrk's requests, then a paced client's; the
// tables give each its rate and its own CPU time per request, with their
// ratios to the bare proxy, and the paced one its threads' switches per
// request. The gateway and the bare proxy run once more at the GOMAXPROCS
// lab run gives rest's processes here. With -against, another build's gateway runs
// beside this one's (here the same binary), in both tables and compared
// with it round by round.
func TestBenchGateway(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out := runBenchGateway(t, "-rounds", "1", "-duration", "1s", "-connections", "4", "-rate", "100", "-paced", "1s", "-against", exe)
	procs := ", GOMAXPROCS=" + restProcs()
	rows := []string{otherGateway(exe), "gateway", "gateway, GOGC=50", gatewayNoLog, "gateway" + procs, bareProxy, bareWithTimeouts, bareIDLog, bareProxy + procs}
	if _, err := exec.LookPath("nginx"); err == nil {
		rows = append(rows, "nginx")
	}
	for _, name := range rows {
		// | name | rate | ratio | ratio | CPU µs | ratio |
		wrk := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(name) + ` \| [1-9][0-9]* \| [0-9.]+× \| [0-9.–×]+ \| [0-9]+\.[0-9] µs \| [0-9.]+× \|$`)
		// | name | CPU µs | ratio | ratio | ratio | ratio | switches |: a
		// request wakes the proxy's threads at least once.
		paced := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(name) + ` \| [0-9]+\.[0-9] µs \| [0-9.]+× \| [0-9.]+× \| [0-9.]+× \| [0-9.–×]+ \| [1-9][0-9]*\.[0-9] \|$`)
		if !wrk.MatchString(out) || !paced.MatchString(out) {
			t.Errorf("no row for %s with a rate and a CPU time per request in both tables:\n%s", name, out)
		}
	}
	if !strings.Contains(out, "at 100 requests/s over 4 connections") {
		t.Errorf("the paced table does not say its rate:\n%s", out)
	}
	compared := regexp.MustCompile(`(?m)^the ` + regexp.QuoteMeta(otherGateway(exe)) +
		` against this build's gateway, round by round: [0-9.]+× the rate under wrk, [0-9.]+× the CPU per request under wrk, [0-9.]+× at 100/s$`)
	if !compared.MatchString(out) {
		t.Errorf("no comparison of the two builds' gateways:\n%s", out)
	}
}

// With -proxies, only the proxies named run; a run of enough rounds adds
// the table of each one's ratios to the bare proxy with their confidence
// intervals, which a shorter run leaves out.
func TestBenchGateway_chosenProxies(t *testing.T) {
	// 18 paced runs: a low rate, so that a loaded machine's proxies keep up.
	out := runBenchGateway(t, "-proxies", "gateway, bare,bare-id-log", "-rounds", "6", "-duration", "1s", "-connections", "4", "-rate", "100", "-paced", "1s")
	for _, name := range []string{"gateway", bareProxy, bareIDLog} {
		if !strings.Contains(out, "\n| "+name+" | ") {
			t.Errorf("no row for %s:\n%s", name, out)
		}
	}
	for _, name := range []string{bareWithTimeouts, gatewayNoLog, "nginx"} {
		if strings.Contains(out, "| "+name+" |") {
			t.Errorf("a row for %s, which -proxies did not name:\n%s", name, out)
		}
	}
	// A table against each yardstick, its rows the other two proxies.
	for yardstick, rows := range map[string][2]string{bareProxy: {"gateway", bareIDLog}, bareIDLog: {"gateway", bareProxy}} {
		ci := regexp.MustCompile(`(?m)^Against the ` + regexp.QuoteMeta(yardstick) + `, the median of the 6 rounds' ratios with its 95 % confidence interval:\n\n` +
			`\| proxy \| requests/s under wrk \| CPU per request under wrk \| CPU per request at 100/s \|\n\|---\|---\|---\|---\|\n` +
			`\| ` + regexp.QuoteMeta(rows[0]) + `( \| [0-9.]+× \([0-9.]+×–[0-9.]+×\)){3} \|\n` +
			`\| ` + regexp.QuoteMeta(rows[1]) + `( \| [0-9.]+× \([0-9.]+×–[0-9.]+×\)){3} \|$`)
		if !ci.MatchString(out) {
			t.Errorf("no table of the ratios to the %s with their confidence intervals:\n%s", yardstick, out)
		}
	}
	// Five rounds are too few for the table.
	if short := runBenchGateway(t, "-proxies", "gateway,bare", "-rounds", "5", "-duration", "1s", "-connections", "4", "-paced", "0"); strings.Contains(short, "confidence interval") {
		t.Errorf("five rounds have a confidence interval:\n%s", short)
	}
}

// runBenchGateway runs lab bench-gateway with args and answers what it
// printed. The processes it starts are this test binary: they run the lab's
// main, as bin/lab would.
func runBenchGateway(t *testing.T, args ...string) string {
	t.Helper()
	testenv.Program(t, "wrk", "apt-get install wrk")
	t.Setenv("LAB_TEST_MAIN", "1")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out strings.Builder
	if err := benchGatewayCommand(ctx, "", args, &out); err != nil {
		t.Fatalf("bench-gateway %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// -proxies nginx where nginx is not installed leaves nothing to measure,
// and says so.
func TestBenchGateway_nothingToMeasure(t *testing.T) {
	wrk := testenv.Program(t, "wrk", "apt-get install wrk")
	bin := t.TempDir() // a PATH with wrk and no nginx
	if err := os.Symlink(wrk, filepath.Join(bin, "wrk")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	t.Setenv("LAB_TEST_MAIN", "1")
	err := benchGatewayCommand(context.Background(), "", []string{"-proxies", "nginx", "-rounds", "1"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no proxy to measure: -proxies named only nginx, which is not installed") {
		t.Errorf("only nginx, not installed: %v", err)
	}
}

// A proxy -proxies does not know is refused before anything starts, with
// the keys it knows.
func TestChosenProxies(t *testing.T) {
	all, err := chosenProxies("")
	if err != nil || len(all) != len(proxyKeys()) {
		t.Errorf("no list: %v, %v; want every proxy", all, err)
	}
	two, err := chosenProxies("gateway, bare-id-log")
	if err != nil || len(two) != 2 || !two["gateway"] || !two["bare-id-log"] {
		t.Errorf("two named: %v, %v", two, err)
	}
	err = benchGatewayCommand(context.Background(), "", []string{"-proxies", "gateway,envoy"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `-proxies: no proxy "envoy" (there are gateway, gateway-gogc50,`) ||
		!strings.Contains(err.Error(), "usage: lab bench-gateway") {
		t.Errorf("an unknown proxy: %v", err)
	}
}

// The median's confidence interval takes the order statistics the sign
// test gives: none below 6 values; from the 1st to the 6th of 6, the 2nd to
// the 9th of 10, the 6th to the 15th of 20, the 14th to the 27th of 40.
func TestMedianCI(t *testing.T) {
	if _, _, _, ok := medianCI([]float64{1, 2, 3, 4, 5}); ok {
		t.Error("an interval from 5 values")
	}
	for _, c := range []struct{ n, lo, hi int }{{6, 1, 6}, {10, 2, 9}, {20, 6, 15}, {40, 14, 27}} {
		vs := make([]float64, c.n)
		for i := range vs {
			vs[i] = float64((i*7)%c.n + 1) // 1…n, out of order
		}
		med, lo, hi, ok := medianCI(vs)
		if !ok || lo != float64(c.lo) || hi != float64(c.hi) || med != float64(c.n+1)/2 {
			t.Errorf("%d values: median %v, interval %v–%v (%v), want %v, %d–%d", c.n, med, lo, hi, ok, float64(c.n+1)/2, c.lo, c.hi)
		}
	}
}

// The rounds take turns: the first runs the proxies in their order, and over
// as many rounds as there are proxies each runs once in every position.
func TestInTurn(t *testing.T) {
	targets := []string{"gateway", "bare proxy", "nginx"}
	if got := inTurn(targets, 1); !slices.Equal(got, targets) {
		t.Errorf("round 1: %v, want %v", got, targets)
	}
	seen := map[string]map[int]bool{}
	for r := 1; r <= len(targets); r++ {
		got := inTurn(targets, r)
		if len(got) != len(targets) {
			t.Fatalf("round %d: %v", r, got)
		}
		for pos, name := range got {
			if seen[name] == nil {
				seen[name] = map[int]bool{}
			}
			seen[name][pos] = true
		}
	}
	for _, name := range targets {
		if len(seen[name]) != len(targets) {
			t.Errorf("%s ran in positions %v over %d rounds, want every one", name, seen[name], len(targets))
		}
	}
	if got := inTurn(targets, len(targets)+2); !slices.Equal(got, inTurn(targets, 2)) {
		t.Errorf("round %d: %v, want round 2's order again", len(targets)+2, got)
	}
	if targets[0] != "gateway" {
		t.Errorf("inTurn changed its argument: %v", targets)
	}
}

// The paced client keeps its rate against a server that keeps up, and
// says so when one does not.
func TestPacedGet(t *testing.T) {
	ctx := context.Background()
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer fast.Close()
	n, err := pacedGet(ctx, fast.URL, 400, 4, time.Second)
	if err != nil || n < 360 || n > 404 {
		t.Errorf("400 requests/s for 1 s: %d requests, %v", n, err)
	}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(50 * time.Millisecond) }))
	defer slow.Close()
	if _, err := pacedGet(ctx, slow.URL, 400, 4, time.Second); err == nil || !strings.Contains(err.Error(), "does not keep up") {
		t.Errorf("a server that answers 80 requests/s at 400/s: %v, want that it does not keep up", err)
	}
	failing := httptest.NewServer(http.NotFoundHandler())
	defer failing.Close()
	if _, err := pacedGet(ctx, failing.URL, 100, 2, 200*time.Millisecond); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("a server that answers 404: %v, want the status", err)
	}
}

// TestServe_gatewayTimeouts: the gateway as lab serve runs it keeps its own
// read timeout (GATEWAY_READ_TIMEOUT, through its server): a body that stops
// coming is answered 408 and the connection closed once it passes.
func TestServe_gatewayTimeouts(t *testing.T) {
	t.Setenv("LAB_TEST_MAIN", "1") // the process is this test binary, running the lab's main
	b := &gwBench{data: t.TempDir()}
	defer b.stop()
	_, addr, err := b.start("gateway", func(addr string) *exec.Cmd {
		return b.self("GATEWAY_ADDR="+addr, "GATEWAY_READ_TIMEOUT=300ms", "LAB_DATA_DIR="+b.data, "serve", "rest", "gateway")
	})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	_, _ = io.WriteString(conn, "POST /api/orders HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	answer, err := io.ReadAll(conn) // until the gateway closes the connection
	if err != nil {
		t.Fatalf("the connection was not closed: %v (%q)", err, answer)
	}
	if took := time.Since(start); !strings.HasPrefix(string(answer), "HTTP/1.1 408 ") || took > 5*time.Second {
		t.Errorf("after %s: %q, want a 408 soon after 300 ms", took.Round(time.Millisecond), answer)
	}
	if !strings.Contains(string(answer), "the body did not arrive within 300ms") {
		t.Errorf("the problem does not name the gateway's own timeout: %q", answer)
	}
}

// The bench's proxy with -id-log does what the gateway does with a request
// id and its access line: a valid id is kept, a bad one replaced, the id is
// answered and passed on, and every request has its line with the status.
func TestWithIDAndLog(t *testing.T) {
	var passed []string
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		passed = append(passed, r.Header.Get(httpx.RequestIDHeader))
		w.WriteHeader(http.StatusTeapot)
	})
	var lines bytes.Buffer
	h := withIDAndLog(upstream, slog.NewTextHandler(&lines, &slog.HandlerOptions{Level: slog.LevelInfo}))
	for _, id := range []string{"kept-1", "not valid!"} {
		r := httptest.NewRequest(http.MethodGet, "/api/products/p1", nil)
		r.Header.Set(httpx.RequestIDHeader, id)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		got := w.Header().Get(httpx.RequestIDHeader)
		if kept := id == "kept-1"; kept && got != id || !kept && (got == id || !httpx.ValidRequestID(got)) {
			t.Errorf("X-Request-Id %q: answered %q", id, got)
		}
		if passed[len(passed)-1] != got {
			t.Errorf("X-Request-Id %q: passed on %q, answered %q", id, passed[len(passed)-1], got)
		}
		if want := "msg=request method=GET path=/api/products/p1 status=418 duration="; !strings.Contains(lines.String(), want) ||
			!strings.Contains(lines.String(), "request_id="+got+"\n") {
			t.Errorf("no access line with the status and the id %s:\n%s", got, lines.String())
		}
	}
}

// TestBenchProxy_stopsOnSignal runs lab bench-proxy as a process, as by
// hand, proxies one request through it, sends it SIGTERM (as Ctrl-C sends
// SIGINT), and checks that it exits 0 and frees its port.
func TestBenchProxy_stopsOnSignal(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "upstream")
	}))
	defer upstream.Close()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	addrs := mustFreeAddrs(t)
	addr := addrs["gateway"]
	cmd := exec.Command(self, "bench-proxy", addr, strings.TrimPrefix(upstream.URL, "http://"))
	cmd.Env = append(os.Environ(), "LAB_TEST_MAIN=1")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Never hang: a proxy that does not stop is killed, and the test fails below.
	watchdog := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
	defer watchdog.Stop()
	var body string
	for deadline := time.Now().Add(10 * time.Second); body != "upstream" && time.Now().Before(deadline); {
		if resp, err := http.Get("http://" + addr + "/"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if body != "upstream" {
		t.Errorf("through the proxy: %q, want the upstream's answer", body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("lab bench-proxy exited with %v after SIGTERM, want 0", err)
	}
	mustBeFree(t, addrs)
}
