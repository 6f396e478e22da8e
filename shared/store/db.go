// Package store keeps each service's data in its own database: an embedded SQLite
// file by default (pure Go, no cgo) or PostgreSQL when the service's database URL is set.
// Migrations are embedded and run at open.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL flavour of a database.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is one service's database.
type DB struct {
	SQL      *sql.DB
	Dialect  Dialect
	observe  Observer       // nil: statements run unobserved
	prepared *preparedCache // SQLite's compiled statements (prepared.go); nil for PostgreSQL
}

// Observer is told of each statement the store runs through Q, and of each
// commit, with the database's system (semantic conventions' db.system.name:
// sqlite or postgresql): it returns the context the statement runs in and
// what to call with its outcome. The tracing pattern makes a span of each.
type Observer func(ctx context.Context, system, statement string) (context.Context, func(error))

// System is the database's name in OpenTelemetry's semantic conventions.
func (db *DB) System() string {
	if db.Dialect == Postgres {
		return "postgresql"
	}
	return "sqlite"
}

// Observe makes every statement that runs through Q, and every commit of
// InTx, known to o (nil: none).
func (db *DB) Observe(o Observer) { db.observe = o }

// Open opens the database: PostgreSQL when url is set, else the SQLite file at path
// (its folder is created). It runs the migrations found in migrations (goose
// files); with nil it runs none, for a database whose tables are sets of their
// own (MigrateSet).
func Open(ctx context.Context, url, path string, migrations fs.FS) (*DB, error) {
	db, err := open(url, path)
	if err != nil {
		return nil, err
	}
	if err := db.SQL.PingContext(ctx); err != nil {
		db.SQL.Close()
		return nil, fmt.Errorf("reach database: %w", err)
	}
	if migrations == nil {
		return db, nil
	}
	if err := db.migrate(ctx, migrations); err != nil {
		db.SQL.Close()
		return nil, err
	}
	return db, nil
}

func open(dbURL, path string) (*DB, error) {
	if dbURL != "" {
		return openPostgres(dbURL)
	}
	return openSQLite(path)
}

func openPostgres(dbURL string) (*DB, error) {
	sqldb, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	sqldb.SetMaxOpenConns(10)
	sqldb.SetMaxIdleConns(10)
	return &DB{SQL: sqldb, Dialect: Postgres}, nil
}

// sqliteParams configure every SQLite connection. WAL lets readers run beside the
// one writer; busy_timeout makes a writer wait for the write lock instead of
// failing with SQLITE_BUSY; _txlock=immediate makes BEGIN take the write lock, so
// transactions are serialised from their start and a read-modify-write never
// fails on upgrading a read lock (modernc.org/sqlite honours _txlock).
const sqliteParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)&_txlock=immediate"

func openSQLite(path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	// The path is escaped because SQLite reads a "file:" name as a URI.
	dsn := "file:" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath() + "?" + sqliteParams
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// A few connections are enough: writers queue for the one write lock anyway.
	// Keeping them all idle avoids reopening (and re-running the pragmas) under load.
	sqldb.SetMaxOpenConns(4)
	sqldb.SetMaxIdleConns(4)
	// Each statement is compiled once per connection and kept (prepared.go).
	return &DB{SQL: sqldb, Dialect: SQLite, prepared: newPreparedCache()}, nil
}

func (db *DB) migrate(ctx context.Context, migrations fs.FS) error {
	dialect := goose.DialectPostgres
	if db.Dialect == SQLite {
		dialect = goose.DialectSQLite3
	}
	p, err := goose.NewProvider(dialect, db.SQL, migrations)
	if err != nil {
		return fmt.Errorf("prepare migrations: %w", err)
	}
	return db.migrationLock(ctx, func() error {
		_, err := p.Up(ctx)
		return err
	})
}

// migrationLock runs fn while holding the migration lock of the schema, so
// that the instances of one service, started together on one schema, migrate
// it one after the other: the second finds the tables made and does nothing.
func (db *DB) migrationLock(ctx context.Context, fn func() error) error {
	if err := db.Exclusive(ctx, "migrations", func(context.Context) error { return fn() }); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Exclusive runs fn while holding the lock called name of the database: on
// PostgreSQL a session advisory lock keyed on the name and the schema, so that
// of the instances of a service sharing the schema one runs fn at a time, and
// the others wait for it (within ctx). SQLite needs no lock: its file belongs
// to one process, and fn runs at once. A connection of the pool holds the lock
// meanwhile; fn's statements run on others. When the instance dies the lock
// dies with its session.
func (db *DB) Exclusive(ctx context.Context, name string, fn func(context.Context) error) error {
	if db.Dialect != Postgres {
		return fn(ctx)
	}
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return fmt.Errorf("take the %s lock: %w", name, err)
	}
	defer conn.Close()
	const key = "hashtext('lab ' || $1::text || ' ' || current_schema())"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock("+key+")", name); err != nil {
		discard(conn) // the lock may have been granted as the wait was given up
		return fmt.Errorf("take the %s lock: %w", name, err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock("+key+")", name); err != nil {
			discard(conn) // closing the session releases the lock
		}
	}()
	return fn(ctx)
}

// discard closes the session of a pooled connection instead of handing it back.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
}

// Close closes the database.
func (db *DB) Close() error { return db.SQL.Close() }

// Ping reports whether the database answers; it is the service's readiness check.
func (db *DB) Ping(ctx context.Context) error { return db.SQL.PingContext(ctx) }

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type txKey struct{ db *DB }

// InTx runs fn in a transaction carried by the context it is given: every store
// call made with that context joins it, so a state change and its outbox event
// commit together. A nested InTx joins the outer transaction.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{db}).(*sql.Tx); ok {
		return fn(ctx)
	}
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if db.prepared != nil {
		// What the transaction met unprepared is prepared once it has ended.
		defer db.prepared.prepareWanted(context.WithoutCancel(ctx), db.SQL)
	}
	if err := fn(context.WithValue(ctx, txKey{db}, tx)); err != nil {
		_ = tx.Rollback()
		return err
	}
	end := func(error) {}
	if db.observe != nil {
		_, end = db.observe(ctx, db.System(), "COMMIT")
	}
	err = tx.Commit()
	end(err)
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// InTransaction reports whether ctx carries a transaction of this database (InTx).
func (db *DB) InTransaction(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{db}).(*sql.Tx)
	return ok
}

// Q returns the transaction carried by ctx, or the database itself.
func (db *DB) Q(ctx context.Context) Querier {
	var q Querier = db.SQL
	tx, ok := ctx.Value(txKey{db}).(*sql.Tx)
	if ok {
		q = tx
	}
	if db.prepared != nil {
		q = preparing{q: q, tx: tx, db: db.SQL, cache: db.prepared}
	}
	if db.observe != nil {
		return observed{q, db.observe, db.System()}
	}
	return q
}

// observed tells its observer of each statement it runs.
type observed struct {
	q       Querier
	observe Observer
	system  string
}

func (o observed) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, end := o.observe(ctx, o.system, query)
	res, err := o.q.ExecContext(ctx, query, args...)
	end(err)
	return res, err
}

func (o observed) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx, end := o.observe(ctx, o.system, query)
	rows, err := o.q.QueryContext(ctx, query, args...)
	end(err)
	return rows, err
}

func (o observed) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx, end := o.observe(ctx, o.system, query)
	row := o.q.QueryRowContext(ctx, query, args...)
	end(row.Err())
	return row
}

// Rebind turns the ? placeholders of query into the dialect's ($1, $2 … for PostgreSQL).
func (db *DB) Rebind(query string) string {
	if db.Dialect != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ForUpdate returns the clause that ends a SELECT to lock the rows it reads until
// the transaction ends: FOR UPDATE in PostgreSQL, nothing in SQLite, where the
// immediate transaction already holds the database's one write lock.
func (db *DB) ForUpdate() string {
	if db.Dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// ErrNoRows is returned by a lookup that finds nothing.
var ErrNoRows = sql.ErrNoRows

// The codes of a unique-constraint violation in each dialect.
const (
	pgUniqueViolation = "23505" // unique_violation, SQLSTATE class 23
	sqliteUnique      = sqlite3.SQLITE_CONSTRAINT_UNIQUE
	sqlitePrimaryKey  = sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
)

// IsUniqueViolation reports whether err is a unique-constraint violation in either dialect.
func IsUniqueViolation(err error) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == pgUniqueViolation
	}
	if liteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		// modernc.org/sqlite turns extended result codes on, so the code says which constraint failed.
		return liteErr.Code() == sqliteUnique || liteErr.Code() == sqlitePrimaryKey
	}
	return false
}
