package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/microservice-patterns/lab/shared/domain"
)

// exec runs a statement through Q(ctx), so that it joins the caller's transaction,
// and reports how many rows it changed.
func (db *DB) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := db.Q(ctx).ExecContext(ctx, db.Rebind(query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// queryRow runs a one-row query through Q(ctx).
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.Q(ctx).QueryRowContext(ctx, db.Rebind(query), args...)
}

// scanner is what both *sql.Row and *sql.Rows offer.
type scanner interface{ Scan(dest ...any) error }

// queryList runs a query through Q(ctx) and scans each row with scan.
func queryList[T any](ctx context.Context, db *DB, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.Q(ctx).QueryContext(ctx, db.Rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, rows.Err()
}

// notFound turns sql.ErrNoRows into a CodeNotFound error naming what was looked up.
func notFound(err error, what, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.CodeNotFound, "%s %s not found", what, id)
	}
	return err
}

// where builds a WHERE clause from the filters that are set.
type where struct {
	conds []string
	args  []any
}

// eq adds "column = value" unless value is empty.
func (w *where) eq(column, value string) {
	if value != "" {
		w.conds = append(w.conds, column+" = ?")
		w.args = append(w.args, value)
	}
}

// after adds the keyset condition of a page, when it has a cursor: the rows
// that come after the cursor's row in the order (key DESC, id DESC), or
// (key ASC) when ascending. An unknown cursor matches no row.
func (w *where) after(p domain.Page, table, key, id string, ascending bool) {
	if p.After == "" {
		return
	}
	if ascending {
		w.conds = append(w.conds, key+" > (SELECT "+key+" FROM "+table+" WHERE "+id+" = ?)")
		w.args = append(w.args, p.After)
		return
	}
	w.conds = append(w.conds, "("+key+", "+id+") < (SELECT "+key+", "+id+" FROM "+table+" WHERE "+id+" = ?)")
	w.args = append(w.args, p.After)
}

// limit is the LIMIT clause of a page: one row more than asked, so that the
// caller can tell whether more remain; none for the whole list.
func limit(p domain.Page) string {
	if p.Limit <= 0 {
		return ""
	}
	return " LIMIT " + strconv.Itoa(p.Limit+1)
}

// String returns the clause, or nothing when no filter is set.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}
