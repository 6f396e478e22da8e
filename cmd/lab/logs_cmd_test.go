package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeLogs(t *testing.T, dir string, files map[string]string, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		p := filepath.Join(dir, name+".log")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLogsCommand: lab logs prints the lines of the last run that name the
// id, from every process, in time order; -variant reads another run.
func TestLogsCommand(t *testing.T) {
	data := t.TempDir()
	t.Setenv("LAB_DATA_DIR", data)
	now := time.Now()
	writeLogs(t, filepath.Join(data, "rest+logging", "logs"), map[string]string{
		"gateway": `{"time":"2026-12-02T10:00:00.001Z","level":"INFO","msg":"request","order_id":"o-1","trace_id":"t-9"}` + "\n" +
			`{"time":"2026-12-02T10:00:00.009Z","level":"INFO","msg":"request","order_id":"o-2"}` + "\n",
		"ordering": `{"time":"2026-12-02T10:00:00.005Z","level":"INFO","msg":"confirmed","order_id":"o-1"}` + "\n" +
			`{"time":"2026-12-02T10:00:00.002Z","level":"INFO","msg":"listening","note":"mentions o-1 in passing"}` + "\n" +
			"not a log line at all o-1\n",
		"billing": `time=2026-12-02T10:00:00.003Z level=INFO msg=request path=/internal/invoices order=o-1` + "\n",
	}, now)
	writeLogs(t, filepath.Join(data, "rest", "logs"), map[string]string{
		"ordering": `{"time":"2026-12-01T09:00:00Z","level":"INFO","msg":"old run","order_id":"o-1"}` + "\n",
	}, now.Add(-time.Hour))

	var out bytes.Buffer
	if err := logsCommand(t.TempDir(), []string{"o-1"}, &out); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`gateway  | {"time":"2026-12-02T10:00:00.001Z","level":"INFO","msg":"request","order_id":"o-1","trace_id":"t-9"}`,
		`billing  | time=2026-12-02T10:00:00.003Z level=INFO msg=request path=/internal/invoices order=o-1`,
		`ordering | {"time":"2026-12-02T10:00:00.005Z","level":"INFO","msg":"confirmed","order_id":"o-1"}`,
	}
	if got := strings.Split(strings.TrimSpace(out.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", out.String(), strings.Join(want, "\n"))
	}
	out.Reset()
	if err := logsCommand(t.TempDir(), []string{"t-9"}, &out); err != nil || strings.Count(out.String(), "\n") != 1 {
		t.Errorf("by trace id: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := logsCommand(t.TempDir(), []string{"-variant", "rest", "o-1"}, &out); err != nil || !strings.Contains(out.String(), "old run") {
		t.Errorf("-variant rest: %v\n%s", err, out.String())
	}
	if err := logsCommand(t.TempDir(), []string{"o-404"}, &out); err == nil || !strings.Contains(err.Error(), "names o-404") {
		t.Errorf("an id no line names: %v", err)
	}
	if err := logsCommand(t.TempDir(), []string{"-variant", "grpc", "o-1"}, &out); err == nil || !strings.Contains(err.Error(), "make run-grpc") {
		t.Errorf("a variant that has not run: %v", err)
	}
}

// TestLab_keepsLines: a run keeps each process's lines for lab logs.
func TestLab_keepsLines(t *testing.T) {
	l, out := newTestLab(t, nil)
	f, _, err := l.start(t.Context())
	if err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	l.stop(f)
	b, err := os.ReadFile(filepath.Join(l.logsDir(), "ordering.log"))
	if err != nil || !strings.Contains(string(b), "ordering starting (ready)\n") {
		t.Errorf("ordering's kept lines: %q, %v", b, err)
	}
}
