package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
)

// logsDir is where a run keeps its processes' lines: data/<variant>/logs.
func (l *lab) logsDir() string { return filepath.Join(l.dataDir(), l.variant.Name, "logs") }

// keepLines keeps every line of the process name in logs/<name>.log, emptied
// at each start, for `lab logs`.
func (l *lab) keepLines(f *fleet, out *lineWriter, name string) error {
	if err := os.MkdirAll(l.logsDir(), 0o755); err != nil {
		return fmt.Errorf("create the logs folder: %w", err)
	}
	file, err := os.Create(filepath.Join(l.logsDir(), name+".log"))
	if err != nil {
		return fmt.Errorf("keep the lines of %s: %w", name, err)
	}
	f.files = append(f.files, file)
	out.keep = file
	return nil
}

// logLine is one kept line that names what was asked for.
type logLine struct {
	at      time.Time
	process string
	text    string
}

// logsCommand prints, in time order, every line of the last run (or of
// -variant's) that names the id: an order's, a trace's or a request's. With
// the logging pattern the lines are JSON and the match is on their fields;
// other lines match where the id appears in them.
func logsCommand(root string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lab logs", flag.ContinueOnError)
	variant := fs.String("variant", "", "the variant whose run to read (default: the last one run)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return errors.Join(err, errors.New("usage: lab logs [-variant <variant>] <order-id|trace-id|request-id>"))
	}
	id := fs.Arg(0)
	cfg, err := config.LoadRunner(config.Env)
	if err != nil {
		return err
	}
	data := cfg.DataDir
	if !filepath.IsAbs(data) {
		data = filepath.Join(root, data)
	}
	dir, err := runLogs(data, *variant)
	if err != nil {
		return err
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	var found []logLine
	for _, path := range files {
		lines, err := matching(path, id)
		if err != nil {
			return err
		}
		found = append(found, lines...)
	}
	if len(found) == 0 {
		return fmt.Errorf("no line of the run in %s names %s", dir, id)
	}
	slices.SortStableFunc(found, func(a, b logLine) int { return a.at.Compare(b.at) })
	width := 0
	for _, f := range found {
		width = max(width, len(f.process))
	}
	for _, f := range found {
		fmt.Fprintf(stdout, "%-*s | %s\n", width, f.process, f.text)
	}
	return nil
}

// runLogs is the logs folder of variant's last run, or of the variant run last.
func runLogs(data, variant string) (string, error) {
	if variant != "" {
		dir := filepath.Join(data, variant, "logs")
		if _, err := os.Stat(dir); err != nil {
			return "", fmt.Errorf("%s has not run here yet (no %s): start it with make run-%s", variant, dir, variant)
		}
		return dir, nil
	}
	dirs, _ := filepath.Glob(filepath.Join(data, "*", "logs"))
	if len(dirs) == 0 {
		return "", fmt.Errorf("no run has kept its lines in %s yet: start one with make run", data)
	}
	latest := func(dir string) time.Time {
		var t time.Time
		files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
		for _, f := range files {
			if fi, err := os.Stat(f); err == nil && fi.ModTime().After(t) {
				t = fi.ModTime()
			}
		}
		return t
	}
	return slices.MaxFunc(dirs, func(a, b string) int { return latest(a).Compare(latest(b)) }), nil
}

// matching returns the lines of one process's file that name id.
func matching(path, id string) ([]logLine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	process := strings.TrimSuffix(filepath.Base(path), ".log")
	var out []logLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxLine+1)
	for sc.Scan() {
		text := sc.Text()
		if !strings.Contains(text, id) {
			continue
		}
		if at, ok := jsonLine(text, id); ok {
			out = append(out, logLine{at: at, process: process, text: text})
		} else if at, ok := textLine(text); ok {
			out = append(out, logLine{at: at, process: process, text: text})
		}
	}
	return out, sc.Err()
}

// jsonLine reports whether a JSON line names id as its order, trace, span or
// request, and when it was written.
func jsonLine(text, id string) (time.Time, bool) {
	var m map[string]any
	if json.Unmarshal([]byte(text), &m) != nil {
		return time.Time{}, false
	}
	named := false
	for _, k := range []string{"order_id", "trace_id", "request_id", "span_id", "orderId"} {
		named = named || m[k] == id
	}
	s, _ := m["time"].(string)
	at, err := time.Parse(time.RFC3339Nano, s)
	return at, named && err == nil
}

// textLine reads the time of a line in slog's text format (time=…), which
// names the id somewhere.
func textLine(text string) (time.Time, bool) {
	s, ok := strings.CutPrefix(text, "time=")
	if !ok {
		return time.Time{}, false
	}
	s, _, _ = strings.Cut(s, " ")
	at, err := time.Parse(time.RFC3339Nano, s)
	return at, err == nil
}
