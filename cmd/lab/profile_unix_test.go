//go:build unix

package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"runtime/pprof"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// TestSplitProfile_realProfiles profiles this process doing one thing, JSON
// or SQL on SQLite, for 0.6 s of its CPU time, and checks that the split
// puts it where it belongs: the rows' names are the ones Go's profiler
// writes.
func TestSplitProfile_realProfiles(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{"id": "o-1", "lines": []any{map[string]any{"sku": "a", "qty": 2}, map[string]any{"sku": "b", "qty": 1}}}
	for share, work := range map[string]func() error{
		"JSON": func() error { _, err := json.Marshal(doc); return err },
		"SQL (database/sql, SQLite, its file writes, `shared/store`)": func() error {
			_, err := db.Exec(`INSERT INTO t (v) VALUES (?)`, "x")
			return err
		},
	} {
		var buf bytes.Buffer
		if err := pprof.StartCPUProfile(&buf); err != nil {
			t.Fatal(err)
		}
		var failed error
		// The work's samples carry a label: the process's other samples (the
		// race detector's own, with no Go stack to place them) are not its.
		pprof.Do(context.Background(), pprof.Labels("work", share), func(context.Context) {
			start := processCPU(t)
			for failed == nil && processCPU(t)-start < 600*time.Millisecond {
				for range 100 {
					if failed = work(); failed != nil {
						break
					}
				}
			}
		})
		pprof.StopCPUProfile()
		if failed != nil {
			t.Fatal(failed)
		}
		p, err := profile.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		all := p.Sample
		p.Sample = nil
		for _, s := range all {
			if slices.Equal(s.Label["work"], []string{share}) {
				p.Sample = append(p.Sample, s)
			}
		}
		if len(p.Sample) < 5 {
			t.Fatalf("%s: %d samples of the work of %d in all, want 5 or more", share, len(p.Sample), len(all))
		}
		shares, total, err := splitProfile(p)
		if err != nil {
			t.Fatal(err)
		}
		// Under the race detector about half of the work's time is the
		// detector's own C code, which no row names ("the rest"); of what
		// the rows name, the work's row must hold nearly all.
		t.Logf("%s: %v", share, shares)
		named := 1 - shares[profileRest]
		if shares[share] < 0.25 || shares[share] < 0.8*named {
			t.Errorf("%s for %s of its work: %.0f %% of it, %.0f %% of what the rows name; want a quarter or more, and 80 %% of what the rows name; all: %v",
				share, total, 100*shares[share], 100*shares[share]/named, shares)
		}
	}
}

// processCPU is this process's CPU time so far, user and system.
func processCPU(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
