package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// timeLayout is how a timestamp travels to the database: UTC with exactly six
// fractional digits. PostgreSQL parses it into a timestamptz; SQLite keeps the
// text, whose byte order is then time order, so ORDER BY sorts by time.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

// dbTime encodes t for a timestamp column. Precision beyond the microsecond is
// dropped, which domain.Now already does, so a stored time reads back equal.
func dbTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// dbTimePtr encodes an optional timestamp: nil is NULL.
func dbTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return dbTime(*t)
}

// timeCol scans a timestamp column: PostgreSQL gives a time.Time, SQLite the text
// that dbTime wrote. Either way the result is in UTC.
type timeCol struct{ t *time.Time }

// Scan implements sql.Scanner.
func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*c.t = v.UTC()
		return nil
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	}
	return fmt.Errorf("scan timestamp: unexpected %T", src)
}

func (c timeCol) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("scan timestamp %q: %w", s, err)
	}
	*c.t = t.UTC()
	return nil
}

// nullTimeCol scans an optional timestamp column: NULL leaves *t nil.
type nullTimeCol struct{ t **time.Time }

// Scan implements sql.Scanner.
func (c nullTimeCol) Scan(src any) error {
	if src == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(src); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

// jsonList encodes a list for a JSON text column; a nil list is stored as [].
func jsonList[T any](list []T) (string, error) {
	if list == nil {
		list = []T{}
	}
	b, err := json.Marshal(list)
	if err != nil {
		return "", fmt.Errorf("encode list: %w", err)
	}
	return string(b), nil
}

// listCol scans a JSON text column into a list that is never nil, so that an
// empty list reads back as [] and not as null.
type listCol[T any] struct{ list *[]T }

// Scan implements sql.Scanner.
func (c listCol[T]) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("scan list: unexpected %T", src)
	}
	list := []T{}
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("scan list: %w", err)
	}
	if list == nil { // the text was "null"
		list = []T{}
	}
	*c.list = list
	return nil
}
