package app_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/microservice-patterns/lab/shared/app"
)

// The fuzz targets send arbitrary bodies to every create endpoint of a running
// stack. Whatever the body, the answer is never a 5xx, and an error is a problem
// document. `go test` runs the seeds; `go test -fuzz FuzzCreateOrder ./shared/app` fuzzes.

var (
	stackOnce sync.Once
	stack     *app.Stack
	stackErr  error
	stackDir  string
)

func fuzzStack(f *testing.F) *app.Stack {
	stackOnce.Do(func() {
		stackDir, stackErr = os.MkdirTemp("", "lab-fuzz-*")
		if stackErr == nil {
			stack, stackErr = app.StartStack(context.Background(), app.Variant{Name: "fuzz"}, app.StackOptions{DataDir: stackDir})
		}
	})
	if stackErr != nil {
		f.Fatalf("start the stack: %v", stackErr)
	}
	return stack
}

func fuzzPost(f *testing.F, url func(*app.Stack) string, seeds ...string) {
	st := fuzzStack(f)
	for _, s := range append(seeds, ``, `{`, `[]`, `null`, `{"a":1}`, `"x"`, `{"quantity":1e400}`) {
		f.Add(s)
	}
	target := url(st)
	f.Fuzz(func(t *testing.T, body string) {
		resp, err := http.Post(target, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("POST %s %q: got %d %s, want no 5xx for any body", target, body, resp.StatusCode, b)
		}
		if resp.StatusCode >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("POST %s %q: got %d with %q, want a problem document", target, body, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
}

const (
	customer = "11111111-1111-4111-8111-000000000001"
	product  = "22222222-2222-4222-8222-000000000001"
)

func FuzzCreateCustomer(f *testing.F) {
	fuzzPost(f, func(st *app.Stack) string { return st.URL + "/api/customers" },
		`{"name":"Bo","email":"bo@example.com","address":"Oslo"}`, `{"name":5}`, `{"name":"","email":"@","address":"x"}`)
}

func FuzzCreateProduct(f *testing.F) {
	fuzzPost(f, func(st *app.Stack) string { return st.URL + "/api/products" },
		`{"code":"F-1","name":"x","description":"","stock":3,"price":100,"currency":"EUR"}`,
		`{"code":"F-2","name":"x","stock":9223372036854775807,"price":-1,"currency":"EUR"}`, `{"currency":"USD"}`)
}

func FuzzCreateOrder(f *testing.F) {
	fuzzPost(f, func(st *app.Stack) string { return st.URL + "/api/orders" },
		`{"customerId":"`+customer+`","name":"n"}`, `{"customerId":"00000000-0000-0000-0000-000000000000"}`, `{"customerId":7}`)
}

func FuzzAddItem(f *testing.F) {
	fuzzPost(f, func(st *app.Stack) string { return st.URL + "/api/orders/" + openOrder(f, st) + "/items" },
		`{"productId":"`+product+`","quantity":1}`, `{"productId":"`+product+`","quantity":-3}`, `{"quantity":"1"}`)
}

func FuzzReserve(f *testing.F) {
	fuzzPost(f, func(st *app.Stack) string { return st.Services["warehouse"] + "/internal/reservations" },
		`{"orderId":"`+customer+`","itemId":"`+customer+`","productId":"`+product+`","quantity":2}`, `{"orderId":""}`)
}

func FuzzCreateShipment(f *testing.F) {
	fuzzPost(f, func(st *app.Stack) string { return st.Services["shipping"] + "/internal/shipments" },
		`{"orderId":"`+customer+`"}`, `{"orderId":1}`)
}

func FuzzCreateInvoice(f *testing.F) {
	fuzzPost(f, func(st *app.Stack) string { return st.Services["billing"] + "/internal/invoices" },
		`{"orderId":"`+customer+`"}`, `{"orderId":null}`)
}
