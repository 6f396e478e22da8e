package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestEdgeInputs sends, through the gateway of a stack on each database, what
// a lenient server lets through to its database or router: a NUL character or
// invalid UTF-8 in a filter, a repeated filter, an id in another textual form,
// and a path with a trailing slash. Each answer is a 4xx problem.
func TestEdgeInputs(t *testing.T) {
	stacks := startStacks(t)
	tests := []struct {
		method, path, body string
		want               int
		wantField          string // the field the problem names; "" for none
	}{
		{"GET", "/api/products?code=%00", "", 400, "code"},
		{"GET", "/api/products?code=P%00", "", 400, "code"},
		{"GET", "/api/products?code=%ff", "", 400, "code"},
		{"GET", "/api/products?code=a&code=b", "", 400, "code"},
		{"GET", "/api/reservations?orderId=" + upperID, "", 400, "orderId"},
		{"GET", "/api/reservations?orderId=" + customer + "&orderId=" + customer, "", 400, "orderId"},
		{"GET", "/api/customers/" + upperID, "", 400, "customerId"},
		{"GET", "/api/customers/urn:uuid:" + customer, "", 400, "customerId"},
		{"GET", "/api/products/%7B" + product + "%7D", "", 400, "productId"},
		{"GET", "/api/orders?customerId=" + upperID, "", 400, "customerId"},
		{"POST", "/api/orders", `{"customerId":"` + upperID + `"}`, 400, "customerId"},
		{"POST", "/api/orders", `{"customerId":"` + customer + `","name":"\u0000"}`, 400, "name"},
		{"POST", "/api/orders", "{\"customerId\":\"" + customer + "\",\"name\":\"\xff\"}", 400, ""},
		{"POST", "/api/orders", `{"customerId":"` + customer + `","customerId":"` + customer + `"}`, 400, "customerId"},
		{"POST", "/api/orders", `{"CUSTOMERID":"` + customer + `"}`, 400, "CUSTOMERID"},
		{"POST", "/api/customers", `{"name":"\u0000","email":"nul@example.com","address":"x"}`, 400, "name"},
		{"POST", "/api/products", `{"code":"\u0000","name":"x","description":"","stock":1,"price":1,"currency":"EUR"}`, 400, "code"},
		{"GET", "/api/orders/", "", 404, ""},
		{"POST", "/api/orders/", `{"customerId":"` + customer + `"}`, 404, ""},
		{"GET", "/api/products/", "", 404, ""},
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, st := range stacks {
		for _, tt := range tests {
			t.Run(st.name+" "+tt.method+" "+tt.path, func(t *testing.T) {
				var body io.Reader
				if tt.body != "" {
					body = strings.NewReader(tt.body)
				}
				req, err := http.NewRequest(tt.method, st.URL+tt.path, body)
				if err != nil {
					t.Fatal(err)
				}
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
					t.Fatalf("got %d %q %s, want a %d problem", resp.StatusCode, resp.Header.Get("Content-Type"), b, tt.want)
				}
				var p struct {
					Errors []struct{ Field string }
				}
				if err := json.Unmarshal(b, &p); err != nil {
					t.Fatal(err)
				}
				if tt.wantField != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tt.wantField) {
					t.Errorf("got %s, want the problem to name %q", b, tt.wantField)
				}
			})
		}
	}
}
