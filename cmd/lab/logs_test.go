package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestLineWriter(t *testing.T) {
	t.Run("prefixes each line with the padded name", func(t *testing.T) {
		var out bytes.Buffer
		c := newConsole(&out, false, []string{"customers", "gateway"})
		w := c.process(1, "gateway")
		fmt.Fprint(w, "first line\nsecond ")
		fmt.Fprint(w, "line\r\nunfinished")
		if got, want := out.String(), "gateway   | first line\ngateway   | second line\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		w.Flush()
		if got, want := out.String(), "gateway   | first line\ngateway   | second line\ngateway   | unfinished\n"; got != want {
			t.Errorf("after Flush: got %q, want %q", got, want)
		}
	})
	t.Run("colours the name only when asked", func(t *testing.T) {
		var out bytes.Buffer
		w := newConsole(&out, true, []string{"ordering"}).process(0, "ordering")
		fmt.Fprintln(w, "hello")
		if got, want := out.String(), "\x1b[36mordering | \x1b[0mhello\n"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("keeps the last lines", func(t *testing.T) {
		var out bytes.Buffer
		w := newConsole(&out, false, []string{"billing"}).process(0, "billing")
		for i := range 25 {
			fmt.Fprintf(w, "line %d\n", i)
		}
		if got := strings.Join(w.Tail(3), ","); got != "line 22,line 23,line 24" {
			t.Errorf("got %q", got)
		}
		if got := len(w.Tail(100)); got != tailLines {
			t.Errorf("kept %d lines, want %d", got, tailLines)
		}
	})
}
