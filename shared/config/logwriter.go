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
// once after a warning or an error. The function it returns writes out
// what is left; call it before the process exits.
func NewProcessLogger(l Log, name string) (*slog.Logger, func()) {
	w := newLineBuffer(os.Stderr, FlushEvery)
	return slog.New(flushing{newHandler(l, w), w}).With("service", name), w.close
}

// lineBuffer is an io.Writer that holds what it is given until a flush.
type lineBuffer struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	stop chan struct{}
	done chan struct{}
	once sync.Once
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

func (b *lineBuffer) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.buf.Flush()
}

// close stops the ticker and writes out what is left; the buffer still
// takes lines after it, written at once.
func (b *lineBuffer) close() {
	b.once.Do(func() {
		close(b.stop)
		<-b.done
	})
	b.flush()
}

// flushing writes the buffer out after every record at warning level or above:
// a problem is seen at once, and is not lost if the process dies next.
type flushing struct {
	slog.Handler
	w *lineBuffer
}

func (f flushing) Handle(ctx context.Context, r slog.Record) error {
	err := f.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		f.w.flush()
	}
	return err
}

func (f flushing) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushing{f.Handler.WithAttrs(attrs), f.w}
}

func (f flushing) WithGroup(name string) slog.Handler {
	return flushing{f.Handler.WithGroup(name), f.w}
}
