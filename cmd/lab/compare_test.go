package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/security-patterns/auth"
	"github.com/microservice-patterns/lab/shared/config"
)

// TestMeter counts the calls and bytes through its HTTP proxies and its
// broker proxy, and drops a call whose service is down as the service would.
func TestMeter(t *testing.T) {
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello") }))
	defer svc.Close()
	broker := echoServer(t)
	m, err := newMeter("amqp://guest:guest@" + broker + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer m.close()
	down := closedURL(t)
	if err := m.route(config.URLs{Customers: svc.URL, Ordering: svc.URL, Warehouse: down, Shipping: svc.URL, Billing: svc.URL}, false); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(m.env["CUSTOMERS_URL"] + "/api/customers")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello" || m.calls.Load() != 1 || m.httpBytes.Load() < 100 {
		t.Errorf("got %q, %d calls, %d bytes; want hello, 1 call and the bytes of both ways", body, m.calls.Load(), m.httpBytes.Load())
	}
	if _, err := http.Get(m.env["WAREHOUSE_URL"] + "/api/products"); err == nil {
		t.Error("a call to a service that is down: got an answer, want the connection dropped")
	}
	c, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(m.env["AMQP_URL"], "amqp://guest:guest@"), "/"))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.Write([]byte("0123456789"))
	buf := make([]byte, 10)
	_, _ = io.ReadFull(c, buf)
	c.Close()
	for deadline := time.Now().Add(time.Second); m.amqpBytes.Load() < 20 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond) // the proxy counts a write once it has returned
	}
	if got := m.amqpBytes.Load(); got != 20 {
		t.Errorf("broker bytes: got %d, want 20 (10 each way)", got)
	}
	if env := strings.Join(m.serviceEnv("ordering"), " "); !strings.Contains(env, "AMQP_URL=") ||
		strings.Contains(strings.Join(m.serviceEnv("gateway"), " "), "_URL=http") {
		t.Errorf("the services go through the meter, the gateway does not: got %q", env)
	}
	if env := strings.Join(m.serviceEnv("gateway"), " "); !strings.Contains(env, "OTEL_EXPORTER_OTLP_ENDPOINT="+m.otlpURL) {
		t.Errorf("the gateway does not export to the meter's OTLP sink: %q", env)
	}
	resp, err = http.Post(m.otlpURL+"/v1/traces", "application/x-protobuf", strings.NewReader("0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := m.otlpBytes.Load(); got != 10 {
		t.Errorf("OTLP bytes: got %d, want 10", got)
	}
}

// echoServer answers every connection with what it receives.
func echoServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _ = c.SetDeadline(time.Now().Add(5 * time.Second)); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

// closedURL is the URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// TestComparisonDoc renders the rounds' figures as the page shows them:
// medians with the rounds' range, ratios to rest of the same round, whole
// bytes with thousands separated, no "0 of 0", the outage of the last round,
// the calls to the identity provider ("–" where none runs, a client's login
// steps named apart) and a chart with a bar per variant.
func TestComparisonDoc(t *testing.T) {
	res := func(ms int) result {
		lat := make([]time.Duration, 200)
		for i := range lat {
			lat[i] = time.Duration(ms) * time.Millisecond
		}
		return result{latencies: lat, wall: 4 * time.Second}
	}
	calls := func(cs ...auth.CallCount) auth.CallCounts { return auth.CallCounts{Calls: cs} }
	exchanges := func(client string, n int64) auth.CallCount {
		return auth.CallCount{Call: auth.Call{Endpoint: "token", Grant: "token-exchange", Client: client}, Count: n}
	}
	var all []figures
	for round, ms := range []int{30, 32, 40} {
		all = append(all,
			figures{variant: "rest", round: round + 1, res: res(ms), calls: 14 * 200, httpBytes: 2370560, cpu: 2 * time.Second,
				idlePSS: 60 << 20, afterPSS: 70 << 20, peakRSS: 150 << 20},
			figures{variant: "event-carried-state-transfer", round: round + 1, res: res(2 * ms), events: 14 * 200, amqpBytes: 5213300,
				cpu: 3 * time.Second, idlePSS: 65 << 20, afterPSS: 80 << 20, peakRSS: 160 << 20, lag: &readModelLag{P50Ms: float64(ms) / 10, P99Ms: float64(ms)}},
			figures{variant: "rest+token-exchange", round: round + 1, res: res(ms), calls: 14 * 200, httpBytes: 2 * 2370560, cpu: 2 * time.Second,
				idlePSS: 70 << 20, afterPSS: 85 << 20, peakRSS: 180 << 20, idp: &idpFigures{
					warmUp: calls(auth.CallCount{Call: auth.Call{Endpoint: "discovery"}, Count: 10}, auth.CallCount{Call: auth.Call{Endpoint: "keys"}, Count: 6},
						exchanges("gateway", 1), exchanges("ordering", int64(7+round))),
					workload: calls(exchanges("ordering", int64(100*round)),
						auth.CallCount{Call: auth.Call{Endpoint: "token", Grant: "authorization_code", Client: "cli"}, Count: 2})}})
	}
	last := len(all) - 3
	all[last].attempts, all[last].refusedWith, all[last].outage = 40, map[int]int{503: 40}, true
	all[last+1].attempts, all[last+1].accepted, all[last+1].completed, all[last+1].catchUp, all[last+1].outage =
		40, make([]string, 40), 40, 805*time.Millisecond, true
	all[last+2].attempts, all[last+2].refusedWith, all[last+2].outage = 40, map[int]int{0: 1, 503: 39}, true
	doc := comparisonDoc(all, workload{orders: 200, workers: 2}, 10*time.Second, "-rounds 3", "comparison.svg")
	for _, want := range []string{
		"3 rounds over every variant in turn",
		"| rest | 32.0 (30.0–40.0) | 32.0 (30.0–40.0) | 50.0 | 10.0 | 60 | 70 | 150 | 0 | 11,853 | 11,853 | 0 | 14 | – | 0 |",
		"| rest+token-exchange | 32.0 (30.0–40.0) | 32.0 (30.0–40.0) | 50.0 | 10.0 | 70 | 85 | 180 | 0 | 23,706 | 23,706 | 0 | 14 | 0.50 (0–1) | 0 |",
		"## Calls to the identity provider",
		"| variant | warm-up | IdP calls/order | what they were (last round): warm-up; workload |",
		"| rest+token-exchange | 25 (24–26) | 0.50 (0–1) | discovery 10, keys 6, token-exchange 10; token-exchange 200 (and 2 login steps of a client) |",
		"| rest+token-exchange | 0 of 40 | no answer × 1, 503 × 39 |",
		"| event-carried-state-transfer | 64.0 (60.0–80.0) |",
		"| event-carried-state-transfer | 2.00 | 2.00 | 1.00 | 1.50 | 1.08 | 1.14 | 1.07 | 2.20 |",
		"| event-carried-state-transfer | 40 of 40 | – | 40 of 40 | 805.0 ms | yes |",
		"| rest | 0 of 40 | 503 × 40 | – (none accepted) | – | yes |",
		"| event-carried-state-transfer | 3.2 (3.0–4.0) | 32.0 (30.0–40.0) |",
		"## What the rows say", "0 HTTP bytes in event-carried-state-transfer", "![p50 latency and CPU per order by variant](comparison.svg)",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("no %q in\n%s", want, doc)
		}
	}
	if want := "with `SHIPPING_DELAY=0`" + procsNote() + ", 3 rounds"; !strings.Contains(doc, want) {
		t.Errorf("the page does not say at what GOMAXPROCS the processes ran (%q):\n%s", want, doc)
	}
	// One round is said as one.
	var first []figures
	for _, f := range all {
		if f.round == 1 {
			first = append(first, f)
		}
	}
	if d := comparisonDoc(first, workload{orders: 200, workers: 2}, 0, "-rounds 1", "comparison.svg"); !strings.Contains(d, ", 1 round over every variant in turn") {
		t.Errorf("a run of one round does not say so:\n%s", d)
	}
	// Rest is the yardstick wherever its figures come in the run's order.
	reordered := append(slices.Clone(all[1:]), all[0])
	if d := comparisonDoc(reordered, workload{orders: 200, workers: 2}, 10*time.Second, "-rounds 3", "comparison.svg"); !strings.Contains(d,
		"| event-carried-state-transfer | 2.00 | 2.00 | 1.00 | 1.50 | 1.08 | 1.14 | 1.07 | 2.20 |") || strings.Contains(d, "| rest | 1.00") {
		t.Errorf("with rest's figures last, the ratios are not to rest:\n%s", d)
	}
	if strings.Contains(doc, "0 of 0") {
		t.Errorf("the page says 0 of 0:\n%s", doc)
	}
	svg := comparisonChart(all)
	if strings.Count(svg, "<rect ") != 1+2*3 || !strings.Contains(svg, ">event-carried-state-transfer</text>") {
		t.Errorf("the chart has not a bar per variant and panel:\n%s", svg)
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 26067: "26,067", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSmapsField(t *testing.T) {
	rollup := "00400000-7ffc31f5e000 ---p 00000000 00:00 0    [rollup]\nRss:               34104 kB\nPss:                9455 kB\nPss_Dirty:          9402 kB\n"
	if got := smapsField(rollup, "Pss"); got != 9455<<10 {
		t.Errorf("Pss = %d, want %d", got, 9455<<10)
	}
	if got := smapsField(rollup, "Swap"); got != 0 {
		t.Errorf("a missing key = %d, want 0", got)
	}
	if _, err := os.Stat("/proc/self/smaps_rollup"); err != nil {
		t.Skip("no /proc/self/smaps_rollup here")
	}
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		t.Fatal(err)
	}
	if pss, rss := smapsField(string(b), "Pss"), smapsField(string(b), "Rss"); pss <= 0 || pss > rss {
		t.Errorf("this process: Pss %d, Rss %d; want 0 < Pss <= Rss", pss, rss)
	}
}

// TestLab_outage stops the warehouse of a variant that runs a process of its
// own before the services (a security pattern's auth), and no other process:
// the warehouse is stopped and started again, the others keep running, and
// each refused order is counted with the status the gateway answered.
func TestLab_outage(t *testing.T) {
	l, _ := newTestLab(t, nil)
	v, err := lookup("rest+token-relay")
	if err != nil {
		t.Fatal(err)
	}
	l.variant = v
	l.console = newConsole(&syncBuffer{}, false, l.names())
	if err := l.freshConfig(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if l.names()[0] != "auth" {
		t.Fatalf("the variant's processes: %v, want auth first", l.names())
	}
	f, _, err := l.start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer l.stop(f)
	was := slices.Clone(f.procs)
	c := &shopper{base: "http://" + l.cfg.Addrs["gateway"], http: &http.Client{Timeout: 5 * time.Second}}
	fig := figures{refusedWith: map[int]int{}}
	if err := l.outage(context.Background(), f, c, 300*time.Millisecond, &fig); err != nil {
		t.Fatalf("outage: %v", err)
	}
	for i, name := range l.names() {
		switch p := f.procs[i]; {
		case name == "warehouse" && (p == was[i] || !was[i].exited() || p.exited()):
			t.Errorf("the warehouse was not stopped and started again")
		case name != "warehouse" && (p != was[i] || p.exited()):
			t.Errorf("%s was stopped: only the warehouse goes down", name)
		}
	}
	// The fake gateway answers every order with 404: each attempt is refused with it.
	if fig.attempts == 0 || fig.refusedWith[http.StatusNotFound] != fig.attempts {
		t.Errorf("%d attempts refused with %v, want every one with 404", fig.attempts, fig.refusedWith)
	}
}

// The page says at what GOMAXPROCS the processes ran: the caller's, or
// the runner's share of the CPUs.
func TestProcsNote(t *testing.T) {
	t.Setenv("GOMAXPROCS", "3")
	if got := procsNote(); got != " and every process at `GOMAXPROCS=3`" {
		t.Errorf("with GOMAXPROCS=3: %q", got)
	}
	os.Unsetenv("GOMAXPROCS") // t.Setenv puts it back after the test
	want := fmt.Sprintf("rounded up; %d for rest's 6)", procsEach(runtime.GOMAXPROCS(0), 6))
	if got := procsNote(); !strings.Contains(got, "its share of the CPUs") || !strings.HasSuffix(got, want) {
		t.Errorf("without GOMAXPROCS: %q, want the share of the CPUs, ending %q", got, want)
	}
}
