package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openPreparedTestDB(t *testing.T) *DB {
	t.Helper()
	db, err := openSQLite(filepath.Join(t.TempDir(), "prepared.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SQL.ExecContext(t.Context(), "CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	return db
}

func (c *preparedCache) size() (prepared, wanted int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.stmts), len(c.wanted)
}

func TestPrepared_keepsEachStatementOnce(t *testing.T) {
	ctx := t.Context()
	db := openPreparedTestDB(t)
	const insert = "INSERT INTO kv (k, v) VALUES (?, ?)"
	const read = "SELECT v FROM kv WHERE k = ?"
	for i := range 10 {
		if _, err := db.exec(ctx, insert, fmt.Sprint("k", i), i); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := db.prepared.size(); n != 1 {
		t.Fatalf("after ten inserts the cache holds %d statements, want 1", n)
	}

	// Met first inside a transaction: run as it is, prepared after the commit.
	var v int
	err := db.InTx(ctx, func(ctx context.Context) error {
		if err := db.queryRow(ctx, read, "k7").Scan(&v); err != nil {
			return err
		}
		if n, wanted := db.prepared.size(); n != 1 || wanted != 1 {
			t.Errorf("inside the transaction: %d prepared, %d wanted; want 1 and 1", n, wanted)
		}
		_, err := db.exec(ctx, "UPDATE kv SET v = v + 100 WHERE k = ?", "k7")
		return err
	})
	if err != nil || v != 7 {
		t.Fatalf("the transaction read %d, %v; want 7", v, err)
	}
	if n, wanted := db.prepared.size(); n != 3 || wanted != 0 {
		t.Fatalf("after the transaction: %d prepared, %d wanted; want 3 and 0", n, wanted)
	}

	// Prepared now, in a transaction too: the statement bound to it sees its writes.
	err = db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.exec(ctx, "UPDATE kv SET v = v + 100 WHERE k = ?", "k7"); err != nil {
			return err
		}
		return db.queryRow(ctx, read, "k7").Scan(&v)
	})
	if err != nil || v != 207 {
		t.Fatalf("the second transaction read %d, %v; want 207", v, err)
	}

	// A statement that does not compile fails as it would unprepared, and is not kept.
	if _, err := db.exec(ctx, "UPDATE nowhere SET v = 1"); err == nil {
		t.Fatal("a statement on a missing table ran")
	}
	if n, _ := db.prepared.size(); n != 3 {
		t.Errorf("after a failed statement the cache holds %d, want 3", n)
	}
}

func TestPrepared_boundedByMaxPrepared(t *testing.T) {
	ctx := t.Context()
	db := openPreparedTestDB(t)
	for i := range maxPrepared + 50 {
		var one int
		if err := db.queryRow(ctx, fmt.Sprintf("SELECT 1 LIMIT %d", i+1)).Scan(&one); err != nil || one != 1 {
			t.Fatalf("statement %d: %d, %v", i, one, err)
		}
	}
	if n, _ := db.prepared.size(); n != maxPrepared {
		t.Errorf("the cache holds %d statements, want it full at %d", n, maxPrepared)
	}
}

// Transactions that each hold one of the pool's connections never wait for
// another to prepare a statement (they would wait for each other).
func TestPrepared_transactionsOnAFullPool(t *testing.T) {
	db := openPreparedTestDB(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 16*20)
	for g := range 16 { // four times the pool's connections
		wg.Go(func() {
			for i := range 20 {
				errs <- db.InTx(ctx, func(ctx context.Context) error {
					_, err := db.exec(ctx, "INSERT INTO kv (k, v) VALUES (?, ?)", fmt.Sprintf("g%d-%d", g, i), i)
					return err
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM kv").Scan(&n); err != nil || n != 320 {
		t.Fatalf("%d rows, %v; want 320", n, err)
	}
}
