package config

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// FlushEvery is how long a process's log line may wait in its buffer: the
// lines of a busy process are written out together, one write a few
// hundred lines, not one write each (the gateway's access log cost it a
// fifth of its requests per second when every line was a write of its own).
const FlushEvery = 50 * time.Millisecond

// NewProcessLogger is NewLogger for a process's main: its lines go to stderr
// through a buffer written out every FlushEvery, whenever it fills, and at
// once after a warning or an error. A record below warning level whose
// values cannot change (strings, numbers, durations, times) is formatted then
// too, with the others held since the last write, not where it was logged:
// one loop over a batch costs a busy process less than a line formatted on
// each request's path (the gateway's access line; README, Performance). The
// function it returns writes out what is left; call it before the process
// exits.
func NewProcessLogger(l Log, name string) (*slog.Logger, func()) {
	w := newLineBuffer(os.Stderr, FlushEvery)
	return slog.New(flushing{newHandler(l, w), w}).With("service", name), w.close
}

// maxHeld bounds the records a lineBuffer holds unformatted: the one that
// would pass it formats them all at once, on its own goroutine.
const maxHeld = 1024

// lineBuffer is an io.Writer that holds what it is given until a flush, and
// the records held for it to format (hold) until then.
type lineBuffer struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	stop chan struct{}
	done chan struct{}
	once sync.Once

	heldMu sync.Mutex // guards held
	held   []heldRecord
	// formatting is held while the held records are formatted, so that
	// lines keep the order of their records, and guards spare, the slice
	// that takes the records next.
	formatting sync.Mutex
	spare      []heldRecord
}

// heldRecord is a record and the handler that formats it.
type heldRecord struct {
	h slog.Handler
	r slog.Record
}

func newLineBuffer(w io.Writer, every time.Duration) *lineBuffer {
	b := &lineBuffer{buf: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go b.loop(every)
	return b
}

func (b *lineBuffer) loop(every time.Duration) {
	defer close(b.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.flush()
		}
	}
}

// Write keeps p whole in the buffer: a record larger than what is free
// writes the buffer out first, so that no line is split between two writes.
func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(p) > b.buf.Available() && b.buf.Buffered() > 0 {
		_ = b.buf.Flush()
	}
	return b.buf.Write(p)
}

// hold keeps r for h to format at the next flush.
func (b *lineBuffer) hold(h slog.Handler, r slog.Record) {
	b.heldMu.Lock()
	b.held = append(b.held, heldRecord{h, r.Clone()})
	full := len(b.held) >= maxHeld
	b.heldMu.Unlock()
	if full {
		b.format()
	}
}

// format formats the records held, in the order they came, into the buffer.
func (b *lineBuffer) format() {
	b.formatting.Lock()
	defer b.formatting.Unlock()
	b.heldMu.Lock()
	batch := b.held
	b.held, b.spare = b.spare[:0], nil
	b.heldMu.Unlock()
	for i := range batch {
		_ = batch[i].h.Handle(context.Background(), batch[i].r)
		batch[i] = heldRecord{} // nothing of it stays reachable
	}
	b.spare = batch[:0]
}

func (b *lineBuffer) flush() {
	b.format()
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.buf.Flush()
}

// close stops the ticker and writes out what is left; the buffer still
// takes lines after it, written out by a flush.
func (b *lineBuffer) close() {
	b.once.Do(func() {
		close(b.stop)
		<-b.done
	})
	b.flush()
}

// flushing holds every record below warning level whose values cannot change
// for the buffer to format at its next flush, and writes the buffer out after
// every record at warning level or above: a problem is seen at once, after
// the lines held before it, and is not lost if the process dies next.
type flushing struct {
	slog.Handler
	w *lineBuffer
}

func (f flushing) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn && fixed(r) {
		f.w.hold(f.Handler, r)
		return nil
	}
	f.w.format() // the lines held before this one come first
	err := f.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		f.w.flush()
	}
	return err
}

// fixed reports whether every value of r is one that cannot change once
// logged, so that r may be formatted later as it is now: a value of any
// other kind (a pointer, a map, a LogValuer, a group) is formatted at once.
func fixed(r slog.Record) bool {
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		switch a.Value.Kind() {
		case slog.KindString, slog.KindInt64, slog.KindUint64, slog.KindFloat64, slog.KindBool, slog.KindDuration, slog.KindTime:
			return true
		}
		ok = false
		return false
	})
	return ok
}

func (f flushing) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushing{f.Handler.WithAttrs(attrs), f.w}
}

func (f flushing) WithGroup(name string) slog.Handler {
	return flushing{f.Handler.WithGroup(name), f.w}
}
