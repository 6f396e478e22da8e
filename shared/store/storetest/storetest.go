// Package storetest opens a service's database for a test.
package storetest

import (
	"path/filepath"
	"testing"

	"github.com/microservice-patterns/lab/shared/store"
)

// SQLite opens the database of service (customers … billing) on a fresh
// SQLite file of the test, its schema up to date, and closes it when the test
// ends; an error fails the test.
func SQLite(tb testing.TB, service string) *store.DB {
	tb.Helper()
	db, err := store.OpenService(tb.Context(), service, "", filepath.Join(tb.TempDir(), service+".db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
