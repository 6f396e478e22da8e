package config

import (
	"bytes"
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
