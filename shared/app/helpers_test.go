package app_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/shared/app"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if stack != nil {
		stack.Stop()
	}
	if stackDir != "" {
		os.RemoveAll(stackDir)
	}
	os.Exit(code)
}

// openOrder creates an order to add items to.
func openOrder(tb testing.TB, st *app.Stack) string {
	tb.Helper()
	resp, err := http.Post(st.URL+"/api/orders", "application/json", strings.NewReader(`{"customerId":"`+customer+`"}`))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var o struct{ OrderID string }
	if err := json.NewDecoder(resp.Body).Decode(&o); err != nil || resp.StatusCode != http.StatusCreated {
		tb.Fatalf("create an order: %d %v", resp.StatusCode, err)
	}
	return o.OrderID
}
