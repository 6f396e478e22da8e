// Package telemetrytest starts a variant in a test and places one order through
// its gateway, for the observability patterns' tests.
package telemetrytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/asynctest"
	"github.com/microservice-patterns/lab/shared/stack"
)

// Processes are the gateway and the five services, sorted: every process of a
// variant started with one instance of each, as the telemetry names them.
var Processes = []string{"billing", "customers", "gateway", "ordering", "shipping", "warehouse"}

// FromEveryProcess fails the test unless the processes named in from (the
// process of each span or line of one request's telemetry, repeats and all)
// are every process of the variant, and no other.
func FromEveryProcess(t *testing.T, what string, from []string) {
	t.Helper()
	if got := slices.Compact(slices.Sorted(slices.Values(from))); !slices.Equal(got, Processes) {
		t.Fatalf("%s come from %v, want %v", what, got, Processes)
	}
}

// The seed data every lab starts with.
const (
	Customer = "11111111-1111-4111-8111-000000000001"
	Product  = "22222222-2222-4222-8222-000000000001"
)

// Start starts v in this process on fresh SQLite files, on a run of its own on
// the test broker when v uses one (the test skips without one), and stops it
// when the test ends.
func Start(t *testing.T, v app.Variant, env map[string]string) *stack.Stack {
	t.Helper()
	opts := stack.Options{DataDir: t.TempDir(), Env: map[string]string{}}
	if v.Broker() {
		opts = asynctest.NewRun(t, v, asynctest.Broker(t)).Options
	}
	for k, val := range env {
		opts.Env[k] = val
	}
	_, st := acceptance.Start(t, v, acceptance.Options{Stack: opts})
	return st
}

// Order is one order placed through the gateway.
type Order struct {
	ID      string
	Confirm http.Header // the gateway's answer to the confirm
}

// PlaceOrder creates an order of one item, confirms it, and waits until it is
// COMPLETED.
func PlaceOrder(t *testing.T, gateway string) Order {
	t.Helper()
	var o struct {
		OrderID string `json:"orderId"`
		Status  string `json:"status"`
	}
	Do(t, "POST", gateway+"/api/orders", `{"customerId":"`+Customer+`"}`, http.StatusCreated, &o)
	Do(t, "POST", gateway+"/api/orders/"+o.OrderID+"/items", `{"productId":"`+Product+`","quantity":1}`, http.StatusCreated, nil)
	acceptance.Eventually(t, 10*time.Second, "the item is reserved", func() bool {
		var items struct {
			Items []struct{ Status string } `json:"items"`
		}
		Do(t, "GET", gateway+"/api/orders/"+o.OrderID, "", http.StatusOK, &items)
		return len(items.Items) == 1 && items.Items[0].Status == "RESERVED"
	})
	h := Do(t, "POST", gateway+"/api/orders/"+o.OrderID+"/confirm", "", http.StatusOK, nil)
	acceptance.Eventually(t, 15*time.Second, "the order is COMPLETED", func() bool {
		Do(t, "GET", gateway+"/api/orders/"+o.OrderID, "", http.StatusOK, &o)
		return o.Status == "COMPLETED"
	})
	return Order{ID: o.OrderID, Confirm: h}
}

// Do sends one request and decodes its JSON answer into out (when not nil);
// an answer other than want fails the test. It returns the answer's headers.
func Do(t *testing.T, method, url, body string, want int, out any) http.Header {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, url, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(fmt.Errorf("%s %s: %w", method, url, err))
		}
	}
	return resp.Header
}

// Get returns the body of a GET that must answer 200, with the request's headers.
func Get(t *testing.T, url string, header map[string]string) (string, http.Header) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b), resp.Header
}
