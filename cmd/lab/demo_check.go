package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// checkKey is the API key of the invariant checks, so that a rate limiter
// counts them apart from the load. The limiter knows only the keys it is given
// (RATE_LIMIT_API_KEYS): the rate-limiting demo gives it this one.
const checkKey = "lab-demo-check"

// checkInvariants checks CONTRACT.md's invariants over what a demo did, through
// the gateway: the stock of every seed product is conserved, no order has two
// shipments or two invoices, and a completed order has one of each, of its total.
// It answers the violations, none when all hold.
func (c *client) checkInvariants(ctx context.Context) ([]string, error) {
	var problems []string
	stock, err := c.checkStock(ctx)
	if err != nil {
		return nil, err
	}
	problems = append(problems, stock...)
	var orders []domain.Order
	var shipments []domain.Shipment
	var invoices []domain.Invoice
	for path, out := range map[string]any{"/api/orders": &orders, "/api/shipments": &shipments, "/api/invoices": &invoices} {
		if err := c.get(ctx, path, out); err != nil {
			return nil, err
		}
	}
	ships, bills := map[string]int{}, map[string][]domain.Invoice{}
	for _, s := range shipments {
		ships[s.OrderID]++
	}
	for _, i := range invoices {
		bills[i.OrderID] = append(bills[i.OrderID], i)
	}
	for _, o := range orders {
		if n := len(bills[o.OrderID]); n > 1 || ships[o.OrderID] > 1 {
			problems = append(problems, fmt.Sprintf("order %s has %d shipments and %d invoices", o.OrderID, ships[o.OrderID], n))
		}
		if o.Status == domain.OrderCompleted && (ships[o.OrderID] != 1 || len(bills[o.OrderID]) != 1 || bills[o.OrderID][0].Amount != o.Total) {
			problems = append(problems, fmt.Sprintf("completed order %s lacks its one shipment or its one invoice of %d", o.OrderID, o.Total))
		}
	}
	return problems, nil
}

// checkStock checks that, for every seed product, the stock and what its
// reservations hold add up to the seed stock: no stock was taken twice or lost.
func (c *client) checkStock(ctx context.Context) ([]string, error) {
	var products []domain.Product
	var reservations []domain.Reservation
	if err := c.get(ctx, "/api/products", &products); err != nil {
		return nil, err
	}
	if err := c.get(ctx, "/api/reservations", &reservations); err != nil {
		return nil, err
	}
	held := map[string]int{}
	for _, r := range reservations {
		if r.HoldsStock() {
			held[r.ProductID] += r.Quantity
		}
	}
	stock := map[string]int{}
	for _, p := range products {
		stock[p.ProductID] = p.Stock
	}
	var problems []string
	for _, p := range warehouse.Seed {
		if got := stock[p.ProductID] + held[p.ProductID]; got != p.Stock {
			problems = append(problems, fmt.Sprintf("stock of %s: %d in stock + %d held = %d, want %d",
				p.Code, stock[p.ProductID], held[p.ProductID], got, p.Stock))
		}
	}
	return problems, nil
}

// get decodes the 200 answer of GET path into out, a pointer to a slice for a
// list: every page of it, following each answer's Link rel="next".
func (c *client) get(ctx context.Context, path string, out any) error {
	list := reflect.ValueOf(out).Elem()
	if list.Kind() != reflect.Slice {
		_, err := c.getPage(ctx, path, out)
		return err
	}
	all := reflect.MakeSlice(list.Type(), 0, 0)
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for next := path + sep + "limit=500"; next != ""; {
		page := reflect.New(list.Type())
		link, err := c.getPage(ctx, next, page.Interface())
		if err != nil {
			return err
		}
		all = reflect.AppendSlice(all, page.Elem())
		next = link
	}
	list.Set(all)
	return nil
}

// getPage decodes the 200 answer of GET path into out and answers the path
// of the next page ("" on the last).
func (c *client) getPage(ctx context.Context, path string, out any) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("X-API-Key", checkKey)
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return httpx.NextLink(resp.Header.Get("Link")), json.Unmarshal(b, out)
}
