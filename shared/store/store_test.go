package store_test

import (
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/store"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// forEachDB runs one contract suite against every dialect, each with a fresh
// database holding the service's schema: a SQLite file in a temporary folder,
// and a PostgreSQL schema of its own that is dropped at the end.
func forEachDB(t *testing.T, service string, suite func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, dialect := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			suite(t, openDB(t, dialect, service))
		})
	}
}

// testCase is one named case of a contract suite, run against a repository R.
type testCase[R any] struct {
	name string
	run  func(t *testing.T, r R)
}

// runCases runs each case as a subtest against r.
func runCases[R any](t *testing.T, r R, cases []testCase[R]) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, r) })
	}
}

// openDB opens the service's database at a fresh location of the dialect.
func openDB(t *testing.T, dialect store.Dialect, service string) *store.DB {
	t.Helper()
	dbURL, path := newLocation(t, dialect)
	return mustOpen(t, service, dbURL, path)
}

func mustOpen(t *testing.T, service, dbURL, path string) *store.DB {
	t.Helper()
	db, err := store.OpenService(t.Context(), service, dbURL, path)
	if err != nil {
		t.Fatalf("open %s database: %v", service, err)
	}
	t.Cleanup(func() { db.Close() }) // runs before a PostgreSQL schema is dropped
	return db
}

// newLocation returns where a fresh, empty database of the dialect lives: a
// PostgreSQL URL, or a SQLite file path.
func newLocation(t *testing.T, dialect store.Dialect) (dbURL, path string) {
	t.Helper()
	if dialect == store.SQLite {
		return "", filepath.Join(t.TempDir(), "data", "service.db")
	}
	return newSchema(t), ""
}

// newSchema returns the URL of a fresh PostgreSQL schema of the test's own.
func newSchema(t *testing.T) string { return testenv.PostgresSchema(t) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// must fails the test at once on an error.
func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("unexpected error: %v", err)
	}
}

// wantCode checks that err carries the domain error code.
func wantCode(tb testing.TB, err error, want domain.Code) {
	tb.Helper()
	if got := domain.ErrorCode(err); err == nil || got != want {
		tb.Fatalf("error code: got %q (err %v), want %q", got, err, want)
	}
}

// at returns a fixed instant plus n seconds and some microseconds, so that
// ordering by time is predictable and the microseconds are exercised.
func at(n int) time.Time {
	return time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC).Add(time.Duration(n) * time.Second)
}

func newCustomer(n int) domain.Customer {
	return domain.Customer{
		CustomerID: domain.NewID(), Name: "Customer " + randomHex(2), Email: randomHex(6) + "@example.com",
		Address: "1 Test Street, Testville", CreatedAt: at(n),
	}
}

func newProduct(stock int) domain.Product {
	return domain.Product{
		ProductID: domain.NewID(), Code: "P-" + randomHex(4), Name: "Product", Description: "for tests",
		Stock: stock, Price: 1250, Currency: domain.Currency,
	}
}

// mustProduct stores a new product with the stock and returns it.
func mustProduct(t *testing.T, w *store.Warehouse, stock int) domain.Product {
	t.Helper()
	p := newProduct(stock)
	must(t, w.CreateProduct(t.Context(), p))
	return p
}

// wantStock checks the product's stock.
func wantStock(t *testing.T, w *store.Warehouse, productID string, want int) {
	t.Helper()
	p, err := w.Product(t.Context(), productID)
	must(t, err)
	if p.Stock != want {
		t.Fatalf("stock: got %d, want %d", p.Stock, want)
	}
}

func newRequest(productID string, quantity int) domain.ReservationRequest {
	return domain.ReservationRequest{OrderID: domain.NewID(), ItemID: domain.NewID(), ProductID: productID, Quantity: quantity}
}

func newOrder(customerID string, n int) domain.Order {
	return domain.Order{
		OrderID: domain.NewID(), CustomerID: customerID, Name: "order", Description: "for tests",
		Status: domain.OrderOpen, Items: []domain.OrderItem{}, Currency: domain.Currency, CreatedAt: at(n), UpdatedAt: at(n),
	}
}
