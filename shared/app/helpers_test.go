package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/stack"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// namedStack is a running stack and the database it runs on.
type namedStack struct {
	*stack.Stack
	name string
}

// startStacks starts the variant twice for tb, on SQLite and on PostgreSQL
// (each service in a schema of its own), and stops both when tb ends. Without
// a reachable PostgreSQL it starts the SQLite one alone and says so, or fails
// under CI=true.
func startStacks(tb testing.TB) []namedStack {
	tb.Helper()
	stacks := []namedStack{{startStack(tb, stack.Options{DataDir: tb.TempDir()}), "SQLite"}}
	if !postgresReachable(tb) {
		tb.Log("PostgreSQL is not reachable: running on SQLite only")
		return stacks
	}
	urls := map[string]string{}
	for _, svc := range config.Services {
		urls[svc] = testenv.PostgresSchema(tb)
	}
	return append(stacks, namedStack{startStack(tb, stack.Options{DatabaseURLs: urls}), "PostgreSQL"})
}

func startStack(tb testing.TB, opts stack.Options) *stack.Stack {
	tb.Helper()
	st, err := stack.Start(context.Background(), app.Variant{Name: "fuzz"}, opts)
	if err != nil {
		tb.Fatalf("start the stack: %v", err)
	}
	tb.Cleanup(st.Stop)
	return st
}

// postgresReachable reports whether the test PostgreSQL answers; under CI=true
// it is taken to, so that testenv.PostgresSchema fails the test when it does not.
func postgresReachable(tb testing.TB) bool {
	cfg := testenv.Config()
	if cfg.CI {
		return true
	}
	db, err := sql.Open("pgx", cfg.PostgresURL)
	if err != nil {
		return false
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return db.PingContext(ctx) == nil
}

// openOrder creates an order to add items to.
func openOrder(tb testing.TB, st *stack.Stack) string {
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
