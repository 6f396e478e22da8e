package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/asynctest"
	"github.com/microservice-patterns/lab/shared/stack"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// The README runner: every ```bash block of a README marked with
// <!-- runnable: <variant> --> on the line before it is run by bash against
// that variant, started in this process, and what its comments promise is
// checked. docs/readme-tests.md describes the convention.

// runnableMarker is the HTML comment, invisible on GitHub, that marks the next block.
var runnableMarker = regexp.MustCompile(`^<!--\s*runnable:\s*(\S+)\s*-->$`)

// startLine is how a block says how to start the lab: settings, then make run-<variant>.
var startLine = regexp.MustCompile(`^((?:[A-Z][A-Z0-9_]*=\S*\s+)*)make run-(\S+)\s*(?:#.*)?$`)

// expectation is a trailing comment "# … => text": the statement's output must
// contain text; "# eventually => text": it is run again until it does.
var expectation = regexp.MustCompile(`\s#\s([^#'"]*?)=>\s?(.+)$`)

// block is one runnable block of a README.
type block struct {
	file    string
	line    int // of the block's first line
	variant string
	env     map[string]string // from the block's start line
	stmts   []statement
}

// statement is one complete shell statement of a block, and what it promises.
type statement struct {
	line       int // in the file
	text       string
	want       []string
	eventually bool
}

// readmes lists the Markdown files whose blocks can be runnable.
func readmes(root string) []string {
	var out []string
	for _, pattern := range []string{"README.md", "docs/*.md", "docs/workshop/*.md", "*-patterns/*/README.md"} {
		m, _ := filepath.Glob(filepath.Join(root, pattern))
		out = append(out, m...)
	}
	return out
}

// parseBlocks returns the runnable blocks of one Markdown text.
func parseBlocks(file, text string, complete func(string) bool) ([]block, error) {
	var out []block
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		m := runnableMarker.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		if i+1 >= len(lines) || strings.TrimSpace(lines[i+1]) != "```bash" {
			return nil, fmt.Errorf("%s:%d: a runnable marker must stand right before a ```bash block", file, i+1)
		}
		b := block{file: file, line: i + 3, variant: m[1], env: map[string]string{}}
		var body []string
		j := i + 2
		for ; j < len(lines) && strings.TrimSpace(lines[j]) != "```"; j++ {
			body = append(body, lines[j])
		}
		if j == len(lines) {
			return nil, fmt.Errorf("%s:%d: the block never ends", file, b.line)
		}
		stmts, err := splitStatements(body, b.line, complete)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		for _, st := range stmts {
			if s := startLine.FindStringSubmatch(st.text); s != nil {
				if s[2] != b.variant {
					return nil, fmt.Errorf("%s:%d: the block starts %s but its marker names %s", file, st.line, s[2], b.variant)
				}
				for _, kv := range strings.Fields(s[1]) {
					k, v, _ := strings.Cut(kv, "=")
					b.env[k] = v
				}
				continue
			}
			b.stmts = append(b.stmts, st)
		}
		out = append(out, b)
		i = j
	}
	return out, nil
}

// splitStatements cuts a block's lines into complete statements: lines are
// added to a statement until the shell accepts it (complete) and it does not end
// in a backslash. Lines holding only a comment are narration and are dropped.
func splitStatements(lines []string, first int, complete func(string) bool) ([]statement, error) {
	var out []statement
	var cur []string
	start := 0
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if len(cur) == 0 && (t == "" || strings.HasPrefix(t, "#")) {
			continue
		}
		if len(cur) == 0 {
			start = first + i
		}
		cur = append(cur, l)
		text := strings.Join(cur, "\n")
		if strings.HasSuffix(t, `\`) || !complete(text) {
			continue
		}
		st := statement{line: start, text: text}
		for _, cl := range cur {
			if m := expectation.FindStringSubmatch(cl); m != nil {
				st.want = append(st.want, strings.TrimSpace(m[2]))
				st.eventually = st.eventually || strings.Contains(m[1], "eventually")
			}
		}
		out = append(out, st)
		cur = nil
	}
	if len(cur) > 0 {
		return nil, fmt.Errorf("%d: the statement never ends:\n%s", start, strings.Join(cur, "\n"))
	}
	return out, nil
}

// bashComplete reports whether bash parses text as whole statements.
func bashComplete(text string) bool {
	return exec.Command("bash", "-n", "-c", text).Run() == nil
}

// outputMark separates the statements' outputs in the script's output.
const outputMark = "@@readme-statement"

// script is the bash script of a block: each statement's output (stdout and
// stderr) behind a mark with its number, and its exit status after it. An
// eventual statement runs again, every 100 ms for up to 10 s, until its
// output holds what it promises.
func script(stmts []statement) string {
	var b strings.Builder
	for i, st := range stmts {
		fmt.Fprintf(&b, "printf '\\n%s %d\\n'\n", outputMark, i)
		if st.eventually {
			fmt.Fprintf(&b, "__want=%s\n", shellQuote(st.want[0]))
			fmt.Fprintf(&b, "for __try in $(seq 100); do __out=$({ %s\n} 2>&1); case \"$__out\" in *\"$__want\"*) break;; esac; sleep 0.1; done; printf '%%s\\n' \"$__out\"\n",
				stripComments(st.text))
		} else {
			fmt.Fprintf(&b, "{ %s\n} 2>&1\n", st.text)
		}
		fmt.Fprintf(&b, "printf '\\n%s %d status %%d\\n' $?\n", outputMark, i)
	}
	return b.String()
}

// stripComments drops the trailing expectation comments, which would swallow
// the closing of the command substitution they are put in.
func stripComments(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if loc := expectation.FindStringIndex(l); loc != nil {
			lines[i] = l[:loc[0]]
		}
	}
	return strings.Join(lines, "\n")
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// results cuts the script's output into each statement's output and status.
func results(out string, n int) (outputs []string, status []string) {
	outputs, status = make([]string, n), make([]string, n)
	cur := -1
	var buf []string
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l := sc.Text()
		var i int
		var code string
		if _, err := fmt.Sscanf(l, outputMark+" %d status %s", &i, &code); err == nil && i == cur {
			outputs[i], status[i] = strings.TrimSpace(strings.Join(buf, "\n")), code
			cur, buf = -1, nil
			continue
		}
		if _, err := fmt.Sscanf(l, outputMark+" %d", &i); err == nil && i >= 0 && i < n {
			cur, buf = i, nil
			continue
		}
		buf = append(buf, l)
	}
	return outputs, status
}

// rewrite points a block's commands at the lab the test started: the
// gateway's address for localhost:8080, and the lab on PATH for bin/lab.
func rewrite(text, gateway string) string {
	text = strings.ReplaceAll(text, "localhost:8080", gateway)
	return regexp.MustCompile(`(^|[\s(;|&])bin/lab `).ReplaceAllString(text, "${1}lab ")
}

func TestParseBlocks(t *testing.T) {
	md := strings.Join([]string{
		"text",
		"<!-- runnable: rate-limiting -->",
		"```bash",
		"RATE_LIMIT_RPS=2 RATE_LIMIT_BURST=5 make run-rate-limiting",
		"# narration",
		"O=$(curl -s x \\",
		"     -d '{}' | jq -r .orderId)",
		"for i in 1 2; do",
		"  echo $i",
		"done                 # => 2",
		"curl -s y | jq .status   # a moment later, eventually => \"COMPLETED\"",
		"```",
		"```bash",
		"not runnable",
		"```",
	}, "\n")
	blocks, err := parseBlocks("x.md", md, bashComplete)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 1 {
		t.Fatalf("got %d blocks, want 1", len(blocks))
	}
	b := blocks[0]
	if b.variant != "rate-limiting" || b.env["RATE_LIMIT_RPS"] != "2" || b.env["RATE_LIMIT_BURST"] != "5" || b.line != 4 {
		t.Errorf("got %+v", b)
	}
	if len(b.stmts) != 3 {
		t.Fatalf("got %d statements, want 3: %+v", len(b.stmts), b.stmts)
	}
	if s := b.stmts[0]; s.line != 6 || len(s.want) != 0 || !strings.HasSuffix(s.text, ".orderId)") {
		t.Errorf("statement 1: %+v", s)
	}
	if s := b.stmts[1]; s.line != 8 || len(s.want) != 1 || s.want[0] != "2" || s.eventually {
		t.Errorf("statement 2: %+v", s)
	}
	if s := b.stmts[2]; len(s.want) != 1 || s.want[0] != `"COMPLETED"` || !s.eventually {
		t.Errorf("statement 3: %+v", s)
	}
	if _, err := parseBlocks("x.md", "<!-- runnable: rest -->\n```bash\nBULKHEAD_SHIPPING=2 make run-bulkhead\n```\n", bashComplete); err == nil {
		t.Error("a start line naming another variant than the marker is accepted")
	}
	if _, err := parseBlocks("x.md", "<!-- runnable: rest -->\ntext\n", bashComplete); err == nil {
		t.Error("a marker before no block is accepted")
	}
}

func TestScript(t *testing.T) {
	stmts := []statement{
		{text: `X=4`},
		{text: "echo $((X+1))   # => 5", want: []string{"5"}},
		{text: `echo oops >&2; false`},
		{text: "[ -e $F ] && echo there; touch $F   # eventually => there", want: []string{"there"}, eventually: true},
	}
	f := filepath.Join(t.TempDir(), "f")
	out, err := exec.Command("bash", "-c", "F="+f+"\n"+script(stmts)).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	outputs, status := results(string(out), len(stmts))
	want := []string{"", "5", "oops", "there"}
	wantStatus := []string{"0", "0", "1", "0"}
	for i := range stmts {
		if outputs[i] != want[i] || status[i] != wantStatus[i] {
			t.Errorf("statement %d: output %q status %q, want %q and %q", i, outputs[i], status[i], want[i], wantStatus[i])
		}
	}
}

// TestREADMEs runs every runnable block of the READMEs against its variant.
func TestREADMEs(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipping: the README blocks need %s", tool)
		}
	}
	wd, _ := os.Getwd()
	root, err := findRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	// bin/lab in a block is this test binary, which TestMain turns into the
	// runner when it is called lab.
	bin := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(bin, "lab")); err != nil {
		t.Fatal(err)
	}
	var all []block
	for _, f := range readmes(root) {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		blocks, err := parseBlocks(rel, string(text), bashComplete)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, blocks...)
	}
	if len(all) == 0 {
		t.Fatal("no runnable block in any README")
	}
	for _, b := range all {
		t.Run(fmt.Sprintf("%s:%d", b.file, b.line), func(t *testing.T) {
			t.Parallel() // the blocks mostly wait: on the lab, on sleep, on a timeout
			runBlock(t, root, bin, b)
		})
	}
}

// runBlock starts the block's variant in this process, runs the block with
// bash in a scratch folder and checks what each statement promises.
func runBlock(t *testing.T, root, bin string, b block) {
	v, err := lookup(b.variant)
	if err != nil {
		t.Fatal(err)
	}
	opts := stack.Options{DataDir: t.TempDir(), Env: map[string]string{}}
	if v.Broker() {
		opts = asynctest.NewRun(t, v, asynctest.Broker(t)).Options
	}
	logs := testenv.NewLogs()
	opts.Log = slog.New(logs)
	defer func() {
		for _, p := range logProblems(logs) {
			t.Errorf("%s: the lab logged: %s", b.file, p)
		}
	}()
	for k, val := range b.env {
		opts.Env[k] = val
	}
	st, err := stack.Start(context.Background(), v, opts)
	if err != nil {
		t.Fatalf("start %s: %v", v.Name, err)
	}
	defer st.Stop()
	gateway := strings.TrimPrefix(st.URL, "http://")
	for i := range b.stmts {
		b.stmts[i].text = rewrite(b.stmts[i].text, gateway)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script(b.stmts))
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GATEWAY_ADDR="+gateway, "LAB_ROOT="+root, "NO_COLOR=1")
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	outputs, status := results(string(out), len(b.stmts))
	for i, s := range b.stmts {
		where := fmt.Sprintf("%s:%d", b.file, s.line)
		if status[i] == "" {
			t.Fatalf("%s: the statement did not finish:\n%s\noutput so far:\n%s", where, s.text, out)
		}
		if status[i] != "0" {
			t.Errorf("%s: exit status %s:\n%s\noutput:\n%s", where, status[i], s.text, outputs[i])
		}
		for _, w := range s.want {
			if !strings.Contains(outputs[i], w) {
				t.Errorf("%s: the output has no %s:\n%s\noutput:\n%s", where, w, s.text, outputs[i])
			}
		}
	}
}

// logProblems returns the records of a README's lab that are noise or worse:
// an ERROR, which no README step should cause, and a record that names a key
// twice (service=ordering service=warehouse).
func logProblems(logs *testenv.Logs) []string {
	var out []string
	for _, r := range logs.Records() {
		seen := map[string]bool{}
		var dup []string
		line := r.Level.String() + " " + r.Message
		for _, a := range r.Attrs {
			if seen[a.Key] {
				dup = append(dup, a.Key)
			}
			seen[a.Key] = true
			line += " " + a.String()
		}
		if len(dup) > 0 {
			out = append(out, fmt.Sprintf("%s (the key %s twice)", line, strings.Join(dup, ", ")))
		} else if r.Level >= slog.LevelError {
			out = append(out, line)
		}
	}
	return out
}
