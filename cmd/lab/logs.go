package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
)

// tailLines is how many of its last lines the runner keeps of each process.
const tailLines = 10

// maxLine bounds a line that never ends, so that a process cannot fill the runner's memory.
const maxLine = 64 << 10

// colours of the process names, in start order (ANSI SGR codes).
var colours = []string{"36", "33", "35", "34", "32", "1;37", "96", "93"}

// console serialises the lines of every process, and the runner's own, onto one writer.
type console struct {
	mu     sync.Mutex
	w      io.Writer
	width  int  // of the widest process name
	colour bool // names in colour: only on a terminal, and never with NO_COLOR
}

func newConsole(w io.Writer, colour bool, names []string) *console {
	c := &console{w: w, colour: colour}
	for _, n := range names {
		c.width = max(c.width, len(n))
	}
	return c
}

// widen makes room for one more name, started after the console was made.
func (c *console) widen(name string) {
	c.mu.Lock()
	c.width = max(c.width, len(name))
	c.mu.Unlock()
}

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Printf writes one line of the runner's own, whole.
func (c *console) Printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.w, format+"\n", args...)
}

// process returns the writer for the output of the i-th process, named name.
func (c *console) process(i int, name string) *lineWriter {
	prefix := fmt.Sprintf("%-*s | ", c.width, name)
	if c.colour {
		prefix = "\x1b[" + colours[i%len(colours)] + "m" + prefix + "\x1b[0m"
	}
	return &lineWriter{console: c, prefix: prefix}
}

// lineWriter writes a process's output line by line, each behind its prefix,
// and keeps the last lines for error messages.
type lineWriter struct {
	console *console
	prefix  string
	mu      sync.Mutex
	partial []byte    // the start of a line whose end has not come yet
	tail    []string  // the last lines, oldest first
	keep    io.Writer // when set, every line is also kept there, as written (lab logs reads it)
}

// Write writes every complete line of p; the rest waits for its end or for Flush.
func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.line(l.partial[:i])
		l.partial = l.partial[i+1:]
	}
	if len(l.partial) > maxLine {
		l.line(l.partial)
		l.partial = nil
	}
	return len(p), nil
}

// Flush writes a last line that did not end with a newline.
func (l *lineWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.line(l.partial)
		l.partial = nil
	}
}

func (l *lineWriter) line(b []byte) {
	s := strings.TrimRight(string(b), "\r")
	l.tail = append(l.tail, s)
	if len(l.tail) > tailLines {
		l.tail = l.tail[len(l.tail)-tailLines:]
	}
	if l.keep != nil {
		_, _ = io.WriteString(l.keep, s+"\n")
	}
	l.console.mu.Lock()
	defer l.console.mu.Unlock()
	_, _ = io.WriteString(l.console.w, l.prefix+s+"\n")
}

// Tail returns up to n of the last lines, oldest first.
func (l *lineWriter) Tail(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.tail[max(0, len(l.tail)-n):]...)
}

// tailText formats the last lines of a process for an error message.
func tailText(l *lineWriter, n int) string {
	lines := l.Tail(n)
	if len(lines) == 0 {
		return "; it wrote nothing"
	}
	return "; its last lines:\n    " + strings.Join(lines, "\n    ")
}
