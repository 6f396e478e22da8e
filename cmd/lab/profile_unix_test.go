//go:build unix

package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"runtime/pprof"
	"syscall"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// TestSplitProfile_realProfiles profiles this process doing one thing, JSON
// or SQL on SQLite, for 0.4 s of its CPU time, and checks that the split
// puts most of it where it belongs: the rows' names are the ones Go's
// profiler writes.
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
		start := processCPU(t)
		for processCPU(t)-start < 400*time.Millisecond {
			for range 100 {
				if err := work(); err != nil {
					pprof.StopCPUProfile()
					t.Fatal(err)
				}
			}
		}
		pprof.StopCPUProfile()
		p, err := profile.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		shares, total, err := splitProfile(p)
		if err != nil {
			t.Fatal(err)
		}
		if shares[share] < 0.5 {
			t.Errorf("%s for %s of its work: %.0f %%, want most of it; all: %v", share, total, 100*shares[share], shares)
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
