package acceptance

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/domain"
)

// BenchmarkFlow measures the whole order flow through the gateway of the variant
// started in this process: create an order, add two items, confirm, and poll
// until COMPLETED. It reports orders/s and the p50 and p99 latency of one order.
func BenchmarkFlow(b *testing.B, v app.Variant, stack app.StackOptions) {
	if stack.DataDir == "" {
		stack.DataDir = b.TempDir()
	}
	st, err := app.StartStack(context.Background(), v, stack)
	if err != nil {
		b.Fatalf("start %s: %v", v.Name, err)
	}
	defer st.Stop()
	s := New(b, st.URL, Options{Timeout: 30 * time.Second})
	s.api.http.Transport = http.DefaultTransport // measure the lab, not the contract checker
	p, q := s.NewProduct(domain.MaxStock, 100), s.NewProduct(domain.MaxStock, 250)
	var mu sync.Mutex
	var latencies []time.Duration
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t0 := time.Now()
			if err := s.flow(p.ProductID, q.ProductID); err != nil {
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
	deadline := time.Now().Add(s.opts.Timeout)
	for wait := time.Millisecond; time.Now().Before(deadline); wait = min(2*wait, 20*time.Millisecond) {
		if o.Status == domain.OrderOpen && allReserved(o) {
			_ = s.try(http.MethodPost, "/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, &o)
		}
		if o.Status == domain.OrderCompleted {
			return nil
		}
		time.Sleep(wait)
		if err := s.try(http.MethodGet, "/api/orders/"+o.OrderID, nil, http.StatusOK, &o); err != nil {
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
