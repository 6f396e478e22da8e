package cqrs

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/asynctest"
	"github.com/microservice-patterns/lab/shared/stack"
)

// BenchmarkReadModelLag measures how long after a command's answer the read
// model shows its write: each iteration creates an order through the gateway
// and polls GET /api/orders/{orderId} every 0.5 ms until the row has the
// version the command answered. It reports that lag's p50 and p99
// (visible-lag-*), and the read model's own measure over the same events,
// from the event's publication to its application (applied-lag-*).
//
//	go test -run '^$' -bench ReadModelLag -benchtime 200x ./communication-patterns/cqrs/
func BenchmarkReadModelLag(b *testing.B) {
	v := app.MustCompose(Base)
	run := asynctest.NewRun(b, v, asynctest.Broker(b))
	st, err := stack.Start(context.Background(), v, run.Options)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Stop()
	client := &http.Client{Timeout: 10 * time.Second}
	body := `{"customerId":"` + acceptance.SeedCustomerID + `"}`
	lags := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		resp, err := client.Post(st.URL+"/api/orders", "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		var o struct {
			OrderID string `json:"orderId"`
		}
		err = json.NewDecoder(resp.Body).Decode(&o)
		resp.Body.Close()
		want, convErr := strconv.Atoi(resp.Header.Get(VersionHeader))
		if err != nil || convErr != nil || resp.StatusCode != http.StatusCreated {
			b.Fatalf("create: %d %v %v", resp.StatusCode, err, convErr)
		}
		t0 := time.Now()
		for deadline := t0.Add(10 * time.Second); ; time.Sleep(500 * time.Microsecond) {
			if time.Now().After(deadline) {
				b.Fatalf("order %s: the read model did not show version %d within 10 s", o.OrderID, want)
			}
			if shows(client, st.URL+"/api/orders/"+o.OrderID, want) {
				break
			}
		}
		lags = append(lags, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lags)
	b.ReportMetric(msOf(Quantile(lags, 0.50)), "visible-lag-p50-ms")
	b.ReportMetric(msOf(Quantile(lags, 0.99)), "visible-lag-p99-ms")
	var lag LagStats
	resp, err := client.Get(st.Services["ordering"] + "/admin/read-model")
	if err == nil {
		err = json.NewDecoder(resp.Body).Decode(&lag)
		resp.Body.Close()
	}
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(lag.P50Ms, "applied-lag-p50-ms")
	b.ReportMetric(lag.P99Ms, "applied-lag-p99-ms")
}

// shows reports whether the read model answers the order at version want or later.
func shows(client *http.Client, url string, want int) bool {
	resp, err := client.Get(url)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var o struct {
		Version int `json:"version"`
	}
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&o) == nil && o.Version >= want
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
