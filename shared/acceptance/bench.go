package acceptance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/stack"
)

// BenchmarkFlow measures the whole order flow through the gateway of the variant
// started in this process: create an order, add two items, confirm, and poll
// until COMPLETED. It reports orders/s and the p50 and p99 latency of one order.
func BenchmarkFlow(b *testing.B, v app.Variant, opts stack.Options) {
	s, p, q, stop := benchStack(b, v, opts)
	defer stop()
	var mu sync.Mutex
	var latencies []time.Duration
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t0 := time.Now()
			if err := s.flow(p, q); err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			latencies = append(latencies, time.Since(t0))
			mu.Unlock()
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	reportLatencies(b, latencies, elapsed)
}

// BenchmarkLatency measures the whole order flow at the lowest load: one order
// at a time, b.N of them, reporting the p50 and p99 latency of one order.
func BenchmarkLatency(b *testing.B, v app.Variant, opts stack.Options) {
	s, p, q, stop := benchStack(b, v, opts)
	defer stop()
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		t0 := time.Now()
		if err := s.flow(p, q); err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, time.Since(t0))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	reportLatencies(b, latencies, elapsed)
}

// benchStack starts the variant and makes two products with stock enough for
// any benchmark; stop stops the variant.
func benchStack(b *testing.B, v app.Variant, opts stack.Options) (s *Suite, p, q string, stop func()) {
	if opts.DataDir == "" {
		opts.DataDir = b.TempDir()
	}
	st, err := stack.Start(context.Background(), v, opts)
	if err != nil {
		b.Fatalf("start %s: %v", v.Name, err)
	}
	token, err := v.Login(context.Background(), st.Env(), "admin")
	if err != nil {
		st.Stop()
		b.Fatalf("log in to %s as admin: %v", v.Name, err)
	}
	s = New(b, st.URL, Options{Timeout: 30 * time.Second, Token: token, EventualReads: v.Base != nil && v.Base.EventualReads()})
	s.api.http.Transport = s.versions.transport(http.DefaultTransport) // measure the lab, not the contract checker
	a, c := s.NewProduct(domain.MaxStock, 100), s.NewProduct(domain.MaxStock, 250)
	s.warmUp(a.ProductID, c.ProductID)
	return s, a.ProductID, c.ProductID, st.Stop
}

// warmUp orders both products once and cancels: it waits until ordering knows
// them (a variant that keeps a copy of the catalogue learns of a new product a
// moment later) and opens the connections the load will use.
func (s *Suite) warmUp(products ...string) {
	o := s.CreateOrder(SeedCustomerID)
	for _, p := range products {
		s.AddItem(o.OrderID, p, 1)
	}
	s.api.Post("/api/orders/"+o.OrderID+"/cancel", nil, http.StatusOK, nil)
}

func reportLatencies(b *testing.B, latencies []time.Duration, elapsed time.Duration) {
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	at := func(q float64) float64 {
		return float64(latencies[int(q*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "orders/s")
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// flow runs one order through the whole flow without failing the benchmark's goroutine.
func (s *Suite) flow(productA, productB string) error {
	var o domain.Order
	if err := s.try(http.MethodPost, "/api/orders", domain.NewOrder{CustomerID: SeedCustomerID}, http.StatusCreated, &o); err != nil {
		return err
	}
	for _, pid := range []string{productA, productB} {
		if err := s.try(http.MethodPost, "/api/orders/"+o.OrderID+"/items", domain.NewItem{ProductID: pid, Quantity: 1}, http.StatusCreated, nil); err != nil {
			return err
		}
	}
	// Polling every few milliseconds keeps the wait between a state and its
	// discovery small beside the flow's own latency.
	deadline := time.Now().Add(s.opts.Timeout)
	for wait := time.Millisecond; time.Now().Before(deadline); wait = min(2*wait, 4*time.Millisecond) {
		if o.Status == domain.OrderOpen && allReserved(o) {
			_ = s.try(http.MethodPost, "/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, &o)
			wait = time.Millisecond / 2
		}
		if o.Status == domain.OrderCompleted {
			return nil
		}
		time.Sleep(wait)
		if err := s.try(http.MethodGet, "/api/orders/"+o.OrderID, nil, http.StatusOK, &o); err != nil &&
			!(s.opts.EventualReads && errors.Is(err, errNotFound)) { // a read model that has not seen the order yet
			return err
		}
	}
	return fmt.Errorf("order %s did not complete within %s: %s", o.OrderID, s.opts.Timeout, o.Status)
}

func allReserved(o domain.Order) bool {
	for _, it := range o.Items {
		if it.Status != domain.ItemReserved {
			return false
		}
	}
	return len(o.Items) > 0
}
