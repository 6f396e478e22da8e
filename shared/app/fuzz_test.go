package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/shared/stack"
)

// The fuzz targets send arbitrary bodies to every create endpoint of two running
// stacks, one on SQLite and one on PostgreSQL (whose text columns refuse what
// SQLite stores, a NUL character for one). Whatever the body, the answer is
// never a 5xx, and an error is a problem document. `go test` runs the seeds on
// both; `go test -fuzz FuzzCreateOrder ./shared/app` fuzzes.

// hostile are seeds every target gets: bodies that encoding/json accepts
// or repairs silently and a database or a lookup may not.
var hostile = []string{
	``, `{`, `[]`, `null`, `{"a":1}`, `"x"`, `{"quantity":1e400}`, `{}]`,
	`{"name":"\u0000"}`, `{"code":"a\u0000b","name":"\u0000","email":"\u0000@x.y","address":"\u0000"}`,
	"{\"name\":\"\xff\",\"code\":\"\xc3\"}", `{"name":"\ud800"}`,
	`{"name":"a","name":"b"}`, `{"NAME":"a","CUSTOMERID":"` + customer + `"}`,
	`{"customerId":"` + upperID + `","productId":"{` + product + `}","orderId":"urn:uuid:` + customer + `"}`,
}

func fuzzPost(f *testing.F, url func(*stack.Stack) string, seeds ...string) {
	stacks := startStacks(f)
	for _, s := range append(seeds, hostile...) {
		f.Add(s)
	}
	targets := make([]string, len(stacks))
	for i, st := range stacks {
		targets[i] = url(st.Stack)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for i, st := range stacks {
			resp, err := http.Post(targets[i], "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("%s: POST %s %q: got %d %s, want no 5xx for any body", st.name, targets[i], body, resp.StatusCode, b)
			}
			if resp.StatusCode >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%s: POST %s %q: got %d with %q, want a problem document", st.name, targets[i], body, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
	})
}

const (
	customer = "11111111-1111-4111-8111-000000000001"
	product  = "22222222-2222-4222-8222-000000000001"
	// upperID is a UUID in uppercase: the lab refuses it, as it stores and answers lowercase ids only.
	upperID = "8E4F2A6C-1D3B-4F5A-9C7E-2B8D6F0A4C21"
)

func FuzzCreateCustomer(f *testing.F) {
	fuzzPost(f, func(st *stack.Stack) string { return st.URL + "/api/customers" },
		`{"name":"Bo","email":"bo@example.com","address":"Oslo"}`, `{"name":5}`, `{"name":"","email":"@","address":"x"}`,
		`{"name":"B\u0000o","email":"bo0@example.com","address":"Oslo"}`, "{\"name\":\"Bo\",\"email\":\"bo1@example.com\",\"address\":\"Os\xfflo\"}")
}

func FuzzCreateProduct(f *testing.F) {
	fuzzPost(f, func(st *stack.Stack) string { return st.URL + "/api/products" },
		`{"code":"F-1","name":"x","description":"","stock":3,"price":100,"currency":"EUR"}`,
		`{"code":"F-2","name":"x","stock":9223372036854775807,"price":-1,"currency":"EUR"}`, `{"currency":"USD"}`,
		`{"code":"F-\u0000","name":"x","description":"","stock":3,"price":100,"currency":"EUR"}`,
		`{"code":"F-3","name":"x","description":"\u0000","stock":3,"price":100,"currency":"EUR"}`,
		"{\"code\":\"F-\xff\",\"name\":\"x\",\"description\":\"\",\"stock\":3,\"price\":100,\"currency\":\"EUR\"}")
}

func FuzzCreateOrder(f *testing.F) {
	fuzzPost(f, func(st *stack.Stack) string { return st.URL + "/api/orders" },
		`{"customerId":"`+customer+`","name":"n"}`, `{"customerId":"00000000-0000-0000-0000-000000000000"}`, `{"customerId":7}`,
		`{"customerId":"`+customer+`","name":"\u0000","description":"d"}`, `{"customerId":"`+customer+`","description":"\u0000"}`,
		`{"customerId":"`+upperID+`"}`)
}

func FuzzAddItem(f *testing.F) {
	fuzzPost(f, func(st *stack.Stack) string { return st.URL + "/api/orders/" + openOrder(f, st) + "/items" },
		`{"productId":"`+product+`","quantity":1}`, `{"productId":"`+product+`","quantity":-3}`, `{"quantity":"1"}`,
		`{"productId":"`+upperID+`","quantity":1}`, `{"productId":"`+product+`","quantity":1.5}`)
}

func FuzzReserve(f *testing.F) {
	fuzzPost(f, func(st *stack.Stack) string { return st.Services["warehouse"] + "/internal/reservations" },
		`{"orderId":"`+customer+`","itemId":"`+customer+`","productId":"`+product+`","quantity":2}`, `{"orderId":""}`)
}

func FuzzCreateShipment(f *testing.F) {
	fuzzPost(f, func(st *stack.Stack) string { return st.Services["shipping"] + "/internal/shipments" },
		`{"orderId":"`+customer+`"}`, `{"orderId":1}`, `{"orderId":"\u0000"}`)
}

func FuzzCreateInvoice(f *testing.F) {
	fuzzPost(f, func(st *stack.Stack) string { return st.Services["billing"] + "/internal/invoices" },
		`{"orderId":"`+customer+`"}`, `{"orderId":null}`, `{"orderId":"`+upperID+`"}`)
}
