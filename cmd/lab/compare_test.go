package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
	if err := m.route(config.URLs{Customers: svc.URL, Ordering: svc.URL, Warehouse: down, Shipping: svc.URL, Billing: svc.URL}); err != nil {
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
	if env := strings.Join(m.serviceEnv("ordering"), " "); !strings.Contains(env, "AMQP_URL=") || m.serviceEnv("gateway") != nil {
		t.Errorf("the services go through the meter, the gateway does not: got %q", env)
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

// TestComparisonDoc renders figures as docs/comparison.md shows them: whole
// bytes with thousands separated, no "0 of 0", and the rows explained.
func TestComparisonDoc(t *testing.T) {
	orders := 200
	lat := make([]time.Duration, orders)
	for i := range lat {
		lat[i] = 30 * time.Millisecond
	}
	res := result{latencies: lat, wall: 4 * time.Second}
	all := []figures{
		{variant: "rest", res: res, calls: 14 * 200, httpBytes: 2370560, attempts: 40, refusedWith: map[int]int{503: 40}},
		{variant: "event-carried-state-transfer", res: res, events: 14 * 200, amqpBytes: 5213300, attempts: 40,
			accepted: make([]string, 40), completed: 40, catchUp: 805 * time.Millisecond},
	}
	doc := comparisonDoc(all, workload{orders: orders, workers: 2}, 10*time.Second, "compare")
	for _, want := range []string{
		"| bytes on the wire per order, HTTP between services | 11,853 | 0 |",
		"| bytes on the wire per order, AMQP | 0 | 26,067 |",
		"| messages per order | 0 | 14 |",
		"| synchronous calls between services per order | 14 | 0 |",
		"| completed after recovery | – (none accepted) | 40 of 40 |",
		"## What the rows say", "0 HTTP bytes in event-carried-state-transfer",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("no %q in\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "0 of 0") {
		t.Errorf("the page says 0 of 0:\n%s", doc)
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 26067: "26,067", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
