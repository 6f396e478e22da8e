package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// sink is an io.Writer that counts its writes.
type sink struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
	split  int // writes that did not end a line
}

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	if !bytes.HasSuffix(p, []byte("\n")) {
		s.split++
	}
	return s.b.Write(p)
}

func (s *sink) state() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String(), s.writes
}

func TestLineBuffer_batchesLinesUntilAFlush(t *testing.T) {
	out := &sink{}
	w := newLineBuffer(out, time.Hour) // no tick during the test: only what the test does flushes
	log := slog.New(flushing{newHandler(Log{Level: slog.LevelInfo}, w), w})
	for i := range 100 {
		log.Info("request", "n", i)
	}
	if got, writes := out.state(); got != "" || writes != 0 {
		t.Fatalf("before a flush the sink got %d writes, %q; want none", writes, got)
	}
	log.Warn("upstream unreachable") // a warning writes out the buffer at once
	got, writes := out.state()
	if writes != 1 || strings.Count(got, "\n") != 101 || !strings.HasSuffix(got, "msg=\"upstream unreachable\"\n") {
		t.Fatalf("after a warning: %d writes and %d lines, ending %q; want 1 write of 101 lines ending with the warning",
			writes, strings.Count(got, "\n"), got[max(0, len(got)-60):])
	}
	log.Info("last")
	w.close()
	if got, _ := out.state(); !strings.HasSuffix(got, "msg=last\n") {
		t.Errorf("close did not write out the last line: %q", got[max(0, len(got)-60):])
	}
	log.Info("after close") // still taken, and still written out by a flush
	w.flush()
	if got, _ := out.state(); !strings.HasSuffix(got, "msg=\"after close\"\n") {
		t.Errorf("a line after close was lost: %q", got[max(0, len(got)-60):])
	}
}

func TestLineBuffer_flushesOnTheTick(t *testing.T) {
	out := &sink{}
	w := newLineBuffer(out, 5*time.Millisecond)
	defer w.close()
	if _, err := w.Write([]byte("one line\n")); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if got, _ := out.state(); got == "one line\n" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the ticker never wrote the line out")
		}
	}
}

func TestLineBuffer_neverSplitsALine(t *testing.T) {
	out := &sink{}
	w := newLineBuffer(out, time.Hour)
	line := strings.Repeat("x", 1000) + "\n"
	for range 200 { // 200 kB through a 64 kB buffer
		if _, err := w.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	w.close()
	out.mu.Lock()
	defer out.mu.Unlock()
	if out.b.Len() != 200*len(line) {
		t.Fatalf("the sink got %d bytes, want %d", out.b.Len(), 200*len(line))
	}
	if out.writes < 3 || out.split > 0 {
		t.Errorf("%d writes for 200 kB through a 64 kB buffer, %d of them ending mid-line; want several, none mid-line", out.writes, out.split)
	}
}

// buffered is how many bytes of lines b holds, and how many records it holds
// unformatted.
func (b *lineBuffer) buffered() (size, records int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.heldMu.Lock()
	defer b.heldMu.Unlock()
	return b.buf.Buffered(), len(b.held)
}

// TestLineBuffer_formatsHeldRecordsAtTheFlush: a record of fixed values below
// warning level is formatted at the next flush, as it was when logged (its
// time too); one with a value that may change is formatted at once; the
// lines keep the order of their records, a warning's included.
func TestLineBuffer_formatsHeldRecordsAtTheFlush(t *testing.T) {
	out := &sink{}
	w := newLineBuffer(out, time.Hour)
	log := slog.New(flushing{newHandler(Log{Level: slog.LevelInfo}, w), w}).With("service", "gateway")
	log.Info("request", "method", "GET", "status", 200, "duration", time.Millisecond, "ok", true)
	logged := time.Now() // the line's time, to the millisecond it shows, is no later
	if size, records := w.buffered(); size != 0 || records != 1 {
		t.Fatalf("after a record of fixed values: %d bytes of lines, %d records held; want none, one", size, records)
	}
	state := map[string]int{"stock": 1}
	log.Info("changing", "state", state)
	if size, records := w.buffered(); size == 0 || records != 0 {
		t.Fatalf("after a record with a map: %d bytes of lines, %d records held; want the lines, none held", size, records)
	}
	state["stock"] = 2
	log.Debug("below the level") // not enabled: neither held nor written
	log.Info("third", "n", 3)
	time.Sleep(30 * time.Millisecond)
	log.Warn("upstream unreachable")
	got, _ := out.state()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	want := []string{"msg=request service=gateway method=GET status=200 duration=1ms ok=true",
		"msg=changing service=gateway state=map[stock:1]", "msg=third service=gateway n=3", `msg="upstream unreachable" service=gateway`}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d: %q", len(lines), len(want), got)
	}
	for i, line := range lines {
		if !strings.HasSuffix(line, want[i]) {
			t.Errorf("line %d: got %q, want it to end %q", i+1, line, want[i])
		}
	}
	// The first line's time is when it was logged, not when it was formatted.
	stamp, _, _ := strings.Cut(strings.TrimPrefix(lines[0], "time="), " ")
	at, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil || at.After(logged) {
		t.Errorf("the held line's time is %s (%v), after it was logged (%s); want the time it was logged", stamp, err, logged.Format(time.RFC3339Nano))
	}
}

// TestLineBuffer_boundsTheRecordsHeld: the record that fills the hold has
// them all formatted at once, with no flush.
func TestLineBuffer_boundsTheRecordsHeld(t *testing.T) {
	out := &sink{}
	w := newLineBuffer(out, time.Hour)
	log := slog.New(flushing{newHandler(Log{Level: slog.LevelInfo}, w), w})
	for i := range maxHeld - 1 {
		log.Info("request", "n", i)
	}
	if size, records := w.buffered(); size != 0 || records != maxHeld-1 {
		t.Fatalf("%d bytes of lines, %d records held; want none, %d", size, records, maxHeld-1)
	}
	log.Info("request", "n", maxHeld-1)
	if _, records := w.buffered(); records != 0 {
		t.Fatalf("%d records held after the hold filled, want none", records)
	}
	w.close()
	if got, _ := out.state(); strings.Count(got, "\n") != maxHeld || !strings.HasSuffix(got, fmt.Sprintf("n=%d\n", maxHeld-1)) {
		t.Errorf("got %d lines, want %d in order", strings.Count(got, "\n"), maxHeld)
	}
}
