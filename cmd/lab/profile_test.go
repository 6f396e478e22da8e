package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// cpuProfile makes a CPU profile whose samples have the given stacks (leaf
// first) and CPU times in ms.
func cpuProfile(stacks [][]string, ms []int64) *profile.Profile {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     10_000_000,
	}
	funcs := map[string]*profile.Function{}
	for i, stack := range stacks {
		s := &profile.Sample{Value: []int64{ms[i] / 10, ms[i] * 1_000_000}}
		for _, name := range stack {
			f := funcs[name]
			if f == nil {
				f = &profile.Function{ID: uint64(len(funcs) + 1), Name: name}
				funcs[name] = f
				p.Function = append(p.Function, f)
			}
			loc := &profile.Location{ID: uint64(len(p.Location) + 1), Line: []profile.Line{{Function: f}}}
			p.Location = append(p.Location, loc)
			s.Location = append(s.Location, loc)
		}
		p.Sample = append(p.Sample, s)
	}
	return p
}

func TestSplitProfile_firstShareOfTheStackWins(t *testing.T) {
	p := cpuProfile([][]string{
		// a handler's allocation that assists the collector: garbage collection
		{"runtime.scanobject", "runtime.gcAssistAlloc", "runtime.mallocgc", "encoding/json.Marshal", "net/http.HandlerFunc.ServeHTTP"},
		// SQL under a handler, under gin: SQL
		{"modernc.org/sqlite/lib.Xsqlite3WalFrames", "database/sql.(*Tx).Commit", labModule + "shared/services.(*Ordering).Confirm", "github.com/gin-gonic/gin.(*Context).Next"},
		// JSON under HTTP: JSON
		{"encoding/json.(*decodeState).object", "github.com/gin-gonic/gin.(*Context).ShouldBindJSON"},
		// the access line: logging, though under the gateway's proxy
		{"log/slog.(*JSONHandler).Handle", labModule + "shared/httpx.AccessRecord", labModule + "shared/gateway.(*Gateway).ServeHTTP"},
		// the benchmark's client reading an answer: the client's, not HTTP's
		{"net.(*conn).Read", "net/http.(*persistConn).readLoop", labModule + "shared/acceptance.(*Client).Do"},
		// a socket write: HTTP
		{"internal/poll.(*FD).Write", "net/http.(*response).finishRequest"},
		// an idle thread looking for work: the scheduler
		{"runtime.futex", "runtime.futexsleep", "runtime.notesleep", "runtime.stopm", "runtime.findRunnable", "runtime.schedule"},
		// none of them
		{"main.spin"},
	}, []int64{70, 410, 60, 10, 20, 370, 40, 20})
	shares, total, err := splitProfile(p)
	if err != nil {
		t.Fatal(err)
	}
	if total != "1.0 s" {
		t.Errorf("total = %q, want 1.0 s", total)
	}
	want := map[string]float64{
		profileShares[0].name: 0.07, profileShares[1].name: 0.41, profileShares[2].name: 0.06,
		profileShares[3].name: 0.01, profileShares[4].name: 0.02, profileShares[5].name: 0.37,
		profileShares[6].name: 0.04, profileRest: 0.02,
	}
	for name, w := range want {
		if got := shares[name]; got < w-1e-9 || got > w+1e-9 {
			t.Errorf("%s: %.3f, want %.3f", name, got, w)
		}
	}
}

func TestProfileCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cpu.out")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	p := cpuProfile([][]string{{"database/sql.(*DB).Exec"}, {"syscall.Syscall", "net/http.(*conn).serve"}}, []int64{300, 100})
	if err := p.Write(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var out bytes.Buffer
	if err := profileCommand([]string{path}, &out); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"0.4 s of samples",
		"| SQL (database/sql, SQLite, its file writes, `shared/store`) | 75.0 % |",
		"| HTTP: servers, clients, the gateway's proxy, routing, socket I/O | 25.0 % |",
		"| garbage collection (the runtime's mark and sweep workers and assists) | 0.0 % |",
		"| the rest | 0.0 % |",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}

	// what is not a CPU profile is said so, without a Go error chain's noise
	heap := cpuProfile([][]string{{"main.f"}}, []int64{1})
	heap.SampleType = []*profile.ValueType{{Type: "alloc_space", Unit: "bytes"}, {Type: "inuse_space", Unit: "bytes"}}
	heapPath := filepath.Join(dir, "heap.out")
	hf, _ := os.Create(heapPath)
	if err := heap.Write(hf); err != nil {
		t.Fatal(err)
	}
	hf.Close()
	notProfile := filepath.Join(dir, "notes.txt")
	_ = os.WriteFile(notProfile, []byte("not a profile"), 0o644)
	missing := filepath.Join(dir, "none.out")
	for file, want := range map[string]string{heapPath: "has no CPU time", notProfile: "is not a CPU profile (go test -cpuprofile writes one)",
		missing: "does not exist (make profile-flow writes data/cpu.out)"} {
		err := profileCommand([]string{file}, &out)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "parsing") {
			t.Errorf("%s: err = %v, want one that says %q and no parser's words", filepath.Base(file), err, want)
		}
	}
	if err := profileCommand(nil, &out); err == nil || !strings.Contains(err.Error(), "usage: lab profile") {
		t.Errorf("no file: err = %v, want the usage", err)
	}
}
