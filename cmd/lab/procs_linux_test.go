package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestStopAll_sweepsTheGroup checks that a child a service started dies with it.
func TestStopAll_sweepsTheGroup(t *testing.T) {
	l, out := newTestLab(t, map[string]string{"billing": "spawn"})
	f, _, err := l.start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`child pid (\d+)`).FindStringSubmatch(out.String())
	if m == nil {
		l.stop(f)
		t.Fatalf("no child pid in the output:\n%s", out)
	}
	l.stop(f)
	deadline := time.Now().Add(3 * time.Second)
	for alive(m[1]) {
		if time.Now().After(deadline) {
			t.Fatalf("the child %s of billing outlived the stop", m[1])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether the process runs: it exists and is not a zombie.
func alive(pid string) bool {
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}
