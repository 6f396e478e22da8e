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
