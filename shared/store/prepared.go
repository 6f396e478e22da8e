package store

import (
	"context"
	"database/sql"
	"sync"
)

// SQLite compiles a statement's text into a program each time it is given
// one: a profile of rest's order flow, all services in one process, had 15 %
// of all its CPU time in sqlite3_prepare. The store keeps each statement it
// has compiled, once per connection (database/sql's *sql.Stmt), and runs it
// again from there. PostgreSQL's driver, pgx, keeps its own cache of prepared
// statements per connection, so a PostgreSQL DB has none of this.
//
// Every SQLite database keeps them (openSQLite). One rule makes that safe:
// the cache's mutex guards its maps and nothing else — no call into
// database/sql is made while it is held. database/sql holds a connection's
// mutex for the whole of a driver call on it, and a BEGIN IMMEDIATE that
// waits for SQLite's write lock is one such call, for up to busy_timeout
// (10 s); closing a *sql.Stmt waits for the mutex of each connection it was
// prepared on. The cache once closed, under its own mutex, the statement it
// had just prepared when another caller had kept the same text meanwhile: the
// closing waited for a connection whose BEGIN waited for the write lock, and
// the transaction holding that lock waited for the cache's mutex to run its
// next statement. Nothing moved until the BEGIN gave up, "database is
// locked" (TestPrepared_writeLockHolderNeverWaitsForTheCache). Now a text
// is prepared by one caller at a time (the others run it as it is meanwhile),
// so there is no second statement to close, and a statement once kept is
// never closed: others may be running it.

// maxPrepared bounds the cache: statements built with a varying part (a
// LIMIT, an IN list of some length) are run as they are beyond it.
const maxPrepared = 256

// preparedCache holds the prepared statements of one database by their text.
type preparedCache struct {
	mu        sync.Mutex // guards the maps only: never held across a call into database/sql
	stmts     map[string]*sql.Stmt
	wanted    map[string]bool // met inside a transaction before being prepared
	preparing map[string]bool // being prepared by a caller, outside the mutex
}

func newPreparedCache() *preparedCache {
	return &preparedCache{stmts: map[string]*sql.Stmt{}, wanted: map[string]bool{}, preparing: map[string]bool{}}
}

func (c *preparedCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts[query]
}

// want notes a statement to prepare once the transaction that met it has
// ended: preparing takes a connection of the pool's, and a transaction that
// waited for one while holding its own could wait for itself.
func (c *preparedCache) want(query string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.stmts)+len(c.wanted) < maxPrepared {
		c.wanted[query] = true
	}
}

// prepare prepares query on db and keeps it; nil when it cannot (the cache
// is full, another caller is preparing it, or the statement does not
// compile: running it says why).
func (c *preparedCache) prepare(ctx context.Context, db *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	if s := c.stmts[query]; s != nil {
		c.mu.Unlock()
		return s
	}
	if c.preparing[query] || len(c.stmts)+len(c.preparing) >= maxPrepared {
		c.mu.Unlock()
		return nil
	}
	c.preparing[query] = true
	c.mu.Unlock()

	s, err := db.PrepareContext(ctx, query)

	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.preparing, query)
	delete(c.wanted, query)
	if err != nil {
		return nil
	}
	c.stmts[query] = s
	return s
}

// prepareWanted prepares what transactions met, outside any transaction.
func (c *preparedCache) prepareWanted(ctx context.Context, db *sql.DB) {
	c.mu.Lock()
	var queries []string
	for q := range c.wanted {
		queries = append(queries, q)
	}
	c.mu.Unlock()
	for _, q := range queries {
		c.prepare(ctx, db, q)
	}
}

// preparing runs statements from the cache: in a transaction, the cached
// statement bound to it (Tx.StmtContext reuses what the transaction's
// connection has compiled), else the statement itself.
type preparing struct {
	q     Querier // the transaction or the database, for what is not prepared
	tx    *sql.Tx // nil outside a transaction
	db    *sql.DB
	cache *preparedCache
}

func (p preparing) stmt(ctx context.Context, query string) *sql.Stmt {
	s := p.cache.get(query)
	if s == nil {
		if p.tx != nil {
			p.cache.want(query)
			return nil
		}
		if s = p.cache.prepare(ctx, p.db, query); s == nil {
			return nil
		}
	}
	if p.tx != nil {
		return p.tx.StmtContext(ctx, s)
	}
	return s
}

func (p preparing) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := p.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return p.q.ExecContext(ctx, query, args...)
}

func (p preparing) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := p.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return p.q.QueryContext(ctx, query, args...)
}

func (p preparing) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := p.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return p.q.QueryRowContext(ctx, query, args...)
}
