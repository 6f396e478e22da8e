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
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/customers"
)

// shopper places orders through the gateway, as a client of the lab would.
type shopper struct {
	base string
	http *http.Client
	// products are what the workload orders: stockUp makes them with stock
	// for any number of orders (the seed's 100–500 of each would run out).
	products []string
}

// stockedProducts is how many products stockUp makes: an order takes two.
const stockedProducts = 12

// stockUp creates the workload's products, each with domain.MaxStock, and
// waits until ordering takes an item of each: a base that keeps a copy of the
// catalogue learns of a new product a moment later.
func (c *shopper) stockUp(ctx context.Context) error {
	c.products = c.products[:0]
	for i := range stockedProducts {
		var p domain.Product
		in := domain.NewProduct{Code: fmt.Sprintf("LOAD-%02d", i+1), Name: fmt.Sprintf("Load product %d", i+1),
			Description: "made by lab compare", Stock: domain.MaxStock, Price: int64(1000 + 100*i), Currency: domain.Currency}
		if _, err := c.call(ctx, http.MethodPost, "/api/products", in, &p); err != nil {
			return fmt.Errorf("create the workload's products: %w", err)
		}
		c.products = append(c.products, p.ProductID)
	}
	var o domain.Order
	if _, err := c.call(ctx, http.MethodPost, "/api/orders", domain.NewOrder{CustomerID: customers.Seed[0].CustomerID, Name: "compare stock-up"}, &o); err != nil {
		return err
	}
	for _, p := range c.products {
		for deadline := time.Now().Add(15 * time.Second); ; {
			status, err := c.call(ctx, http.MethodPost, "/api/orders/"+o.OrderID+"/items", domain.NewItem{ProductID: p, Quantity: 1}, nil)
			if err == nil {
				break
			}
			if status < 400 || status >= 500 || time.Now().After(deadline) {
				return fmt.Errorf("ordering does not take the workload's products: %w", err)
			}
			if httpx.Sleep(ctx, 50*time.Millisecond) != nil {
				return ctx.Err()
			}
		}
	}
	_, err := c.call(ctx, http.MethodPost, "/api/orders/"+o.OrderID+"/cancel", nil, nil)
	return err
}

// call sends v as JSON (nil: no body) and decodes a 2xx answer into out. It
// answers the status, 0 when no answer came.
func (c *shopper) call(ctx context.Context, method, path string, v, out any) (int, error) {
	var body io.Reader
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(b, out)
	}
	return resp.StatusCode, nil
}

// open creates an order and adds one item of each product, quantity 1; it
// answers the order and, when a step failed, the status of its answer (0:
// no answer came).
func (c *shopper) open(ctx context.Context, products ...string) (domain.Order, int, error) {
	var o domain.Order
	if status, err := c.call(ctx, http.MethodPost, "/api/orders", domain.NewOrder{CustomerID: customers.Seed[0].CustomerID, Name: "compare"}, &o); err != nil {
		return o, status, err
	}
	for _, p := range products {
		if status, err := c.call(ctx, http.MethodPost, "/api/orders/"+o.OrderID+"/items", domain.NewItem{ProductID: p, Quantity: 1}, nil); err != nil {
			return o, status, err
		}
	}
	return o, 0, nil
}

// finish polls the order, confirms it once its items (as many as were
// added) are all RESERVED, and polls until it is COMPLETED or the deadline
// passes. A 404 is "not yet": a base that reads from a read model (CQRS)
// answers one until the model has seen the order.
func (c *shopper) finish(ctx context.Context, orderID string, items int, deadline time.Time) error {
	var o domain.Order
	confirmed := false
	for wait := time.Millisecond; time.Now().Before(deadline); wait = min(2*wait, 4*time.Millisecond) {
		status, err := c.call(ctx, http.MethodGet, "/api/orders/"+orderID, nil, &o)
		if err != nil && status != http.StatusNotFound {
			return err
		}
		switch {
		case status == http.StatusNotFound || len(o.Items) < items:
			// not seen yet, or not whole yet: poll again
		case o.Status == domain.OrderCompleted:
			return nil
		case !confirmed && o.Status == domain.OrderOpen && everyItemReserved(o):
			if _, err := c.call(ctx, http.MethodPost, "/api/orders/"+orderID+"/confirm", nil, nil); err != nil {
				return err
			}
			confirmed, wait = true, time.Millisecond/2
			continue
		case o.Status == domain.OrderOpen && anyItem(o, domain.ItemRejected):
			return fmt.Errorf("order %s: an item was rejected", orderID)
		}
		if httpx.Sleep(ctx, wait) != nil {
			return ctx.Err()
		}
	}
	return fmt.Errorf("order %s is %s after the deadline", orderID, o.Status)
}

func everyItemReserved(o domain.Order) bool {
	return len(o.Items) > 0 && !slices.ContainsFunc(o.Items, func(it domain.OrderItem) bool { return it.Status != domain.ItemReserved })
}

func anyItem(o domain.Order, s domain.ItemStatus) bool {
	return slices.ContainsFunc(o.Items, func(it domain.OrderItem) bool { return it.Status == s })
}

// workload is the measured run: n orders of two items, by `workers` shoppers
// at once, each from its creation until it is COMPLETED.
type workload struct {
	orders, workers int
}

// result is what a workload measured.
type result struct {
	latencies []time.Duration
	failures  []string
	wall      time.Duration
}

// drive runs the workload and answers the latency of every completed order.
func (c *shopper) drive(ctx context.Context, w workload) result {
	var mu sync.Mutex
	var res result
	next := make(chan int)
	var wg sync.WaitGroup
	begin := time.Now()
	for range w.workers {
		wg.Go(func() {
			for i := range next {
				took, err := c.oneOrder(ctx, i)
				mu.Lock()
				if err != nil {
					res.failures = append(res.failures, err.Error())
				} else {
					res.latencies = append(res.latencies, took)
				}
				mu.Unlock()
			}
		})
	}
	for i := 0; i < w.orders && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	res.wall = time.Since(begin)
	return res
}

// oneOrder takes two of the workload's products (in turn) through the flow.
func (c *shopper) oneOrder(ctx context.Context, i int) (time.Duration, error) {
	start := time.Now()
	n := len(c.products)
	a, b := c.products[i%n], c.products[(i+5)%n]
	o, _, err := c.open(ctx, a, b)
	if err != nil {
		return 0, err
	}
	if err := c.finish(ctx, o.OrderID, 2, start.Add(30*time.Second)); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
