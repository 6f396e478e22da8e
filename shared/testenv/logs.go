package testenv

import (
	"context"
	"log/slog"
	"sync"
)

// Logs is a slog.Handler that keeps every record, with the attributes of the
// loggers derived from it first, for tests that check what is logged.
type Logs struct {
	attrs []slog.Attr
	mu    *sync.Mutex
	recs  *[]Record
}

// Record is one logged record: its level, message and attributes in order.
type Record struct {
	Level   slog.Level
	Message string
	Attrs   []slog.Attr
}

// NewLogs returns an empty record of logs.
func NewLogs() *Logs { return &Logs{mu: &sync.Mutex{}, recs: &[]Record{}} }

func (l *Logs) Enabled(context.Context, slog.Level) bool { return true }
func (l *Logs) WithGroup(string) slog.Handler            { return l }
func (l *Logs) WithAttrs(as []slog.Attr) slog.Handler {
	return &Logs{attrs: append(append([]slog.Attr(nil), l.attrs...), as...), mu: l.mu, recs: l.recs}
}

func (l *Logs) Handle(_ context.Context, r slog.Record) error {
	rec := Record{Level: r.Level, Message: r.Message, Attrs: append([]slog.Attr(nil), l.attrs...)}
	r.Attrs(func(a slog.Attr) bool { rec.Attrs = append(rec.Attrs, a); return true })
	l.mu.Lock()
	defer l.mu.Unlock()
	*l.recs = append(*l.recs, rec)
	return nil
}

// Records returns the records so far, oldest first.
func (l *Logs) Records() []Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Record(nil), *l.recs...)
}

// Attr returns the value of the record's last attribute named key.
func (r Record) Attr(key string) (slog.Value, bool) {
	for i := len(r.Attrs) - 1; i >= 0; i-- {
		if r.Attrs[i].Key == key {
			return r.Attrs[i].Value, true
		}
	}
	return slog.Value{}, false
}
