package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/microservice-patterns/lab/shared/services/customers"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// fastFail is the answer time under which a failure counts as failed fast.
const fastFail = 50 * time.Millisecond

// The steps of one order, as they appear in the table.
const (
	stepCreate  = "create order"
	stepAdd     = "add item"
	stepConfirm = "confirm"
)

// outcome is one request of the load.
type outcome struct {
	ok   bool
	took time.Duration
}

// recorder keeps the outcome of every request, by step.
type recorder struct {
	mu     sync.Mutex
	byStep map[string][]outcome
}

func (r *recorder) add(step string, o outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byStep == nil {
		r.byStep = map[string][]outcome{}
	}
	r.byStep[step] = append(r.byStep[step], o)
}

// stats summarise the requests of one step.
type stats struct {
	ok, failed, fast int
	p50, p99         time.Duration
}

func (r *recorder) stats(step string) stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s stats
	var took []time.Duration
	for _, o := range r.byStep[step] {
		took = append(took, o.took)
		switch {
		case o.ok:
			s.ok++
		case o.took < fastFail:
			s.failed++
			s.fast++
		default:
			s.failed++
		}
	}
	s.p50, s.p99 = percentile(took, 0.50), percentile(took, 0.99)
	return s
}

// percentile returns the q-quantile of ds (nearest rank), 0 for none.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[int(q*float64(len(ds)-1)+0.5)]
}

// client places orders through the gateway at base and records each request.
type client struct {
	base string
	http *http.Client
	rec  *recorder
}

// drive runs the load: workers place orders until every order has started or
// the limit has passed, and the last ones have finished.
func (c *client) drive(ctx context.Context, ld load) time.Duration {
	begin := time.Now()
	deadline := begin.Add(ld.limit)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range ld.concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1))
				if i > ld.orders || !wait(ctx, ld.startOf(begin, i)) || time.Now().After(deadline) {
					return
				}
				c.order(ctx, i, ld.confirm)
			}
		})
	}
	wg.Wait()
	return time.Since(begin)
}

// startOf is when the i-th order is due: orders arrive at the load's rate, or
// all at once when it has none. A worker that is busy starts it late.
func (ld load) startOf(begin time.Time, i int) time.Time {
	if ld.rate <= 0 {
		return begin
	}
	return begin.Add(time.Duration(float64(i-1) / ld.rate * float64(time.Second)))
}

// wait waits until t, and reports false when ctx is done first.
func wait(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// order places the i-th order: create it, add one of a seed product (the first
// twelve, which hold 100 or more), confirm it. A step that fails ends the order.
func (c *client) order(ctx context.Context, i int, confirm bool) {
	var o struct {
		OrderID string `json:"orderId"`
	}
	if !c.do(ctx, stepCreate, "/api/orders", map[string]string{"customerId": customers.Seed[i%3].CustomerID}, &o) {
		return
	}
	item := map[string]any{"productId": warehouse.Seed[i%12].ProductID, "quantity": 1}
	if !c.do(ctx, stepAdd, "/api/orders/"+o.OrderID+"/items", item, nil) || !confirm {
		return
	}
	c.do(ctx, stepConfirm, "/api/orders/"+o.OrderID+"/confirm", nil, nil)
}

// do POSTs body to path, records the outcome under step and decodes a 2xx answer into out.
func (c *client) do(ctx context.Context, step, path string, body, out any) bool {
	b, _ := json.Marshal(body)
	if body == nil {
		b = nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	begin := time.Now()
	resp, err := c.http.Do(req)
	var data []byte
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
	ok := err == nil && resp.StatusCode < 300
	c.rec.add(step, outcome{ok: ok, took: time.Since(begin)})
	if ok && out != nil {
		ok = json.Unmarshal(data, out) == nil
	}
	return ok
}

// ms is a duration in the table: milliseconds, or seconds past ten.
func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}
