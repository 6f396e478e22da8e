package store_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/store"
)

// TestMigrations checks that every service has its migrations and nothing else does.
func TestMigrations(t *testing.T) {
	for _, service := range []string{"customers", "warehouse", "ordering", "shipping", "billing"} {
		t.Run(service, func(t *testing.T) {
			fsys, err := store.Migrations(service)
			must(t, err)
			if _, err := fs.Stat(fsys, "00001_init.sql"); err != nil {
				t.Fatalf("got %v, want 00001_init.sql", err)
			}
		})
	}
	for _, service := range []string{"", "payments", "..", "customers/00001_init.sql"} {
		t.Run("refuses "+service, func(t *testing.T) {
			if _, err := store.Migrations(service); err == nil {
				t.Fatalf("Migrations(%q): got no error", service)
			}
		})
	}
}

// TestDB_reopen checks that a service reopens its database with the data kept.
func TestDB_reopen(t *testing.T) {
	for _, dialect := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(dialect), func(t *testing.T) {
			t.Parallel()
			dbURL, path := newLocation(t, dialect)
			c := newCustomer(1)
			must(t, store.NewCustomers(mustOpen(t, "customers", dbURL, path)).CreateCustomer(t.Context(), c))
			// The second open finds the migrations applied and keeps the data.
			if _, err := store.NewCustomers(mustOpen(t, "customers", dbURL, path)).Customer(t.Context(), c.CustomerID); err != nil {
				t.Fatalf("after reopening: %v", err)
			}
		})
	}
}

// TestOpenService_unknownService checks that an unknown service has no database.
func TestOpenService_unknownService(t *testing.T) {
	if _, err := store.OpenService(t.Context(), "payments", "", t.TempDir()+"/x.db"); err == nil {
		t.Fatal("got no error")
	}
}

// TestDB_timesRoundTrip checks that a timestamp reads back exactly as it was stored, in UTC.
func TestDB_timesRoundTrip(t *testing.T) {
	forEachDB(t, "customers", func(t *testing.T, db *store.DB) {
		s := store.NewCustomers(db)
		for _, want := range []time.Time{
			domain.Now(),
			time.Date(2024, 2, 29, 23, 59, 59, 999999000, time.UTC),
			time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2025, 6, 1, 12, 0, 0, 1000, time.UTC),
		} {
			c := newCustomer(0)
			c.CreatedAt = want
			must(t, s.CreateCustomer(t.Context(), c))
			got, err := s.Customer(t.Context(), c.CustomerID)
			must(t, err)
			if !reflect.DeepEqual(got, c) {
				t.Errorf("got %+v, want %+v", got, c)
			}
			if got.CreatedAt.Location() != time.UTC {
				t.Errorf("location: got %v, want UTC", got.CreatedAt.Location())
			}
		}
	})
}

// TestDB_InTx checks that store calls join the transaction carried by the context.
func TestDB_InTx(t *testing.T) {
	forEachDB(t, "customers", func(t *testing.T, db *store.DB) {
		s := store.NewCustomers(db)
		t.Run("a failure after two writes rolls both back", func(t *testing.T) {
			a, b := newCustomer(1), newCustomer(2)
			boom := errors.New("boom")
			err := db.InTx(t.Context(), func(ctx context.Context) error {
				must(t, s.CreateCustomer(ctx, a))
				must(t, s.CreateCustomer(ctx, b))
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("got %v, want boom", err)
			}
			for _, c := range []domain.Customer{a, b} {
				_, err := s.Customer(t.Context(), c.CustomerID)
				wantCode(t, err, domain.CodeNotFound)
			}
		})
		t.Run("a nested transaction joins the outer one", func(t *testing.T) {
			a := newCustomer(3)
			err := db.InTx(t.Context(), func(ctx context.Context) error {
				must(t, db.InTx(ctx, func(ctx context.Context) error { return s.CreateCustomer(ctx, a) }))
				return errors.New("outer fails")
			})
			if err == nil {
				t.Fatal("got no error")
			}
			_, err = s.Customer(t.Context(), a.CustomerID)
			wantCode(t, err, domain.CodeNotFound)
		})
		t.Run("a successful transaction commits", func(t *testing.T) {
			a := newCustomer(4)
			must(t, db.InTx(t.Context(), func(ctx context.Context) error { return s.CreateCustomer(ctx, a) }))
			_, err := s.Customer(t.Context(), a.CustomerID)
			must(t, err)
		})
	})
}

// TestIsUniqueViolation checks the recognition of unique violations in both dialects.
func TestIsUniqueViolation(t *testing.T) {
	forEachDB(t, "warehouse", func(t *testing.T, db *store.DB) {
		insert := func(id, code string) error {
			_, err := db.SQL.ExecContext(t.Context(), db.Rebind("INSERT INTO products"+
				" (product_id, code, name, description, stock, price, currency) VALUES (?, ?, 'n', '', 1, 1, 'EUR')"), id, code)
			return err
		}
		id, code := domain.NewID(), "U-"+randomHex(4)
		must(t, insert(id, code))
		if err := insert(domain.NewID(), code); !store.IsUniqueViolation(err) {
			t.Errorf("duplicate code: got %v, want a unique violation", err)
		}
		if err := insert(id, "U-"+randomHex(4)); !store.IsUniqueViolation(err) {
			t.Errorf("duplicate primary key: got %v, want a unique violation", err)
		}
		_, err := db.SQL.ExecContext(t.Context(), db.Rebind("UPDATE products SET stock = -1 WHERE product_id = ?"), id)
		if err == nil || store.IsUniqueViolation(err) {
			t.Errorf("check violation: got %v, want an error that is not a unique violation", err)
		}
		if store.IsUniqueViolation(nil) || store.IsUniqueViolation(errors.New("UNIQUE constraint failed")) {
			t.Error("an error that is not the database's is a unique violation")
		}
	})
}

// TestOpen_sqlitePathNeedsEscaping checks that a SQLite path is not read as a URI.
func TestOpen_sqlitePathNeedsEscaping(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my data?#%20")
	db := mustOpen(t, "customers", "", filepath.Join(dir, "customers.db"))
	must(t, db.Ping(t.Context()))
	if _, err := os.Stat(filepath.Join(dir, "customers.db")); err != nil {
		t.Fatalf("the database is not where it was asked to be: %v", err)
	}
}

// TestDB_Observe: an observer hears of each statement run through Q, in the
// transaction's context too, and of the commit, with the database's system
// and each statement's outcome; InTransaction tells a transaction's context.
func TestDB_Observe(t *testing.T) {
	forEachDB(t, "customers", func(t *testing.T, db *store.DB) {
		type seen struct {
			system, statement string
			failed            bool
		}
		var mu sync.Mutex
		var got []seen
		db.Observe(func(ctx context.Context, system, statement string) (context.Context, func(error)) {
			return ctx, func(err error) {
				mu.Lock()
				got = append(got, seen{system, strings.Fields(statement)[0], err != nil})
				mu.Unlock()
			}
		})
		defer db.Observe(nil)
		s := store.NewCustomers(db)
		a := newCustomer(7)
		must(t, db.InTx(t.Context(), func(ctx context.Context) error {
			if !db.InTransaction(ctx) || db.InTransaction(t.Context()) {
				t.Error("InTransaction does not tell the transaction's context from another")
			}
			return s.CreateCustomer(ctx, a)
		}))
		if err := s.CreateCustomer(t.Context(), a); err == nil {
			t.Fatal("a second customer with one id was created")
		}
		want := map[string]bool{}
		for _, g := range got {
			want[g.statement+map[bool]string{true: " failed", false: ""}[g.failed]] = true
			if g.system != db.System() || (g.system != "sqlite" && g.system != "postgresql") {
				t.Errorf("system %q", g.system)
			}
		}
		for _, w := range []string{"INSERT", "COMMIT", "INSERT failed"} {
			if !want[w] {
				t.Errorf("the observer did not hear %q (heard %v)", w, got)
			}
		}
	})
}

// TestDB_Exclusive checks that the instances of a service sharing a
// PostgreSQL schema take turns in Exclusive, that one giving up its wait
// leaves the lock free, and that another schema's lock is another lock.
func TestDB_Exclusive(t *testing.T) {
	t.Parallel()
	url := newSchema(t)
	a, b := mustOpen(t, "ordering", url, ""), mustOpen(t, "ordering", url, "")
	var inside, overlaps atomic.Int32
	var wg sync.WaitGroup
	for _, db := range []*store.DB{a, b, a, b} {
		wg.Go(func() {
			for range 5 {
				must(t, db.Exclusive(t.Context(), "pass", func(context.Context) error {
					if inside.Add(1) > 1 {
						overlaps.Add(1)
					}
					time.Sleep(2 * time.Millisecond)
					inside.Add(-1)
					return nil
				}))
			}
		})
	}
	wg.Wait()
	if n := overlaps.Load(); n > 0 {
		t.Errorf("%d overlapping runs, want none", n)
	}

	// b waits for a's lock and gives up; a's release leaves it free.
	held, release := make(chan struct{}), make(chan struct{})
	go a.Exclusive(t.Context(), "pass", func(context.Context) error { close(held); <-release; return nil })
	<-held
	short, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := b.Exclusive(short, "pass", func(context.Context) error { return nil }); err == nil {
		t.Error("took a lock that was held")
	}
	in, done := context.WithTimeout(t.Context(), 5*time.Second)
	defer done()
	other := mustOpen(t, "ordering", newSchema(t), "")
	must(t, other.Exclusive(in, "pass", func(context.Context) error { return nil })) // another schema's
	close(release)
	must(t, b.Exclusive(in, "pass", func(context.Context) error { return nil }))
	want := errors.New("fn failed")
	if err := a.Exclusive(in, "pass", func(context.Context) error { return want }); !errors.Is(err, want) {
		t.Errorf("got %v, want fn's error", err)
	}
}
