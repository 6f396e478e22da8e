package store

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"modernc.org/sqlite"
)

// waitFor polls cond until it holds, failing the test after a few seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// The transaction that holds SQLite's write lock must get through the cache
// to its next statement while a BEGIN on another connection waits for that
// lock. database/sql holds a connection's mutex for the whole of a driver
// call, a BEGIN's wait for the lock included, and closing a *sql.Stmt
// prepared on that connection waits for that mutex: a cache that closed a
// statement (the loser of two concurrent prepares of one text) while holding
// its own mutex kept the transaction out of the cache until the BEGIN gave
// up, busy_timeout later — "database is locked". The steps are ordered with
// the cache's mutex and an authorizer, which runs inside the BEGIN's driver
// call, so the test does not depend on timing.
func TestPrepared_writeLockHolderNeverWaitsForTheCache(t *testing.T) {
	db := openPreparedTestDB(t)
	db.SQL.SetMaxOpenConns(2) // the transaction's connection and one other
	ctx := t.Context()
	const update = "UPDATE kv SET v = v + 1 WHERE k = ?"
	if _, err := db.exec(ctx, "INSERT INTO kv (k, v) VALUES ('a', 0)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.exec(ctx, update, "a"); err != nil { // prepared and kept
		t.Fatal(err)
	}

	// A transaction takes the write lock and waits to run its next statement.
	inTx, next := make(chan struct{}), make(chan struct{})
	txDone := make(chan error, 1)
	go func() {
		txDone <- db.InTx(ctx, func(ctx context.Context) error {
			close(inTx)
			<-next
			_, err := db.exec(ctx, update, "a")
			return err
		})
	}()
	<-inTx

	// The other connection, watched: began is closed once a BEGIN is being
	// prepared on it, inside the driver call that then waits for the lock.
	other, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	began := make(chan struct{})
	err = other.Raw(func(dc any) error {
		return dc.(sqlite.AuthorizerRegisterer).RegisterAuthorizer(
			func(action sqlite.AuthorizerActionCode, arg1, _, _, _ string) sqlite.AuthorizerReturnCode {
				if action == sqlite.AuthTransaction && arg1 == "BEGIN" {
					select {
					case <-began:
					default:
						close(began)
					}
				}
				return sqlite.AuthorizerOK
			})
	})
	if err != nil {
		t.Fatal(err)
	}

	// A second prepare of the statement's text, as when two callers meet it
	// unprepared at once. It waits for a connection: both are taken.
	prepared := make(chan *sql.Stmt, 1)
	go func() { prepared <- db.prepared.prepare(context.Background(), db.SQL, update) }()
	waitFor(t, "the second prepare", func() bool { return db.SQL.Stats().WaitCount > 0 || len(prepared) > 0 })

	// It gets the other connection and prepares there, then needs the
	// cache's mutex, held here until a BEGIN waits on that connection.
	db.prepared.mu.Lock()
	other.Close()
	waitFor(t, "the other connection back in the pool", func() bool { return db.SQL.Stats().Idle == 1 })
	beginCtx, cancel := context.WithTimeout(ctx, 5*time.Second) // a shorter busy_timeout
	defer cancel()
	beginDone := make(chan error, 1)
	go func() {
		beginDone <- db.InTx(beginCtx, func(context.Context) error { return nil })
	}()
	<-began
	db.prepared.mu.Unlock()
	// Until the prepare has come back to the cache (if it ever does), the
	// transaction is held back, so that it cannot take the mutex first.
	waitFor(t, "the second prepare back in the cache", func() bool {
		if len(prepared) > 0 || !db.prepared.mu.TryLock() {
			return true
		}
		db.prepared.mu.Unlock()
		return false
	})

	// The transaction runs its statement and commits at once, and the BEGIN
	// gets the lock.
	start := time.Now()
	close(next)
	if err := <-txDone; err != nil {
		t.Fatalf("the transaction: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the transaction holding the write lock took %v to run one statement and commit", d)
	}
	if err := <-beginDone; err != nil {
		t.Errorf("BEGIN on the other connection: %v", err)
	}
	if s := <-prepared; s == nil {
		t.Error("the second prepare found no statement")
	}
	var v int
	if err := db.queryRow(ctx, "SELECT v FROM kv WHERE k = 'a'").Scan(&v); err != nil || v != 2 {
		t.Fatalf("v = %d, %v; want 2", v, err)
	}
}
