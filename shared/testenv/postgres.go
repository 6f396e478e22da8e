package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// PostgresSchema creates a PostgreSQL schema with a random name for the test,
// drops it when the test ends, and returns a connection URL whose connections
// use it (search_path), so that parallel tests and runs never see each other's
// rows. Without a reachable server it skips, or fails under CI=true.
func PostgresSchema(tb testing.TB) string {
	tb.Helper()
	base := Config().PostgresURL
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(tb.Context(), 5*time.Second)
		if err = admin.PingContext(ctx); err != nil {
			admin.Close()
		}
		cancel()
	}
	Require(tb, "PostgreSQL at "+HostOf(base), err)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(tb.Context(), "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	return withSearchPath(tb, base, schema)
}

// withSearchPath adds search_path to a connection string; pgx sends it to the
// server as a run-time parameter of every connection.
func withSearchPath(tb testing.TB, base, schema string) string {
	if !strings.Contains(base, "://") { // keyword/value form
		return base + " search_path=" + schema
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", HostOf(base), err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// HostOf names the server of a connection string without its credentials.
func HostOf(connString string) string {
	if u, err := url.Parse(connString); err == nil && u.Host != "" {
		return u.Host
	}
	return "the configured address"
}
