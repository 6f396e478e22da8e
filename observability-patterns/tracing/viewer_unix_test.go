//go:build unix

package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/communication-patterns/rest"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/telemetry/telemetrytest"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// TestViewerShowsOneOrdersTrace runs the companion `lab run` starts — the
// real otel-desktop-viewer, by the very command the runner uses — sends it
// rest+tracing's spans, and asks the viewer (its JSON-RPC API) for the
// confirm's trace: every span of the gateway and the five services is there.
func TestViewerShowsOneOrdersTrace(t *testing.T) {
	for _, prog := range []string{"go", "gcc"} {
		_, err := exec.LookPath(prog)
		testenv.Require(t, prog+" (the viewer is built with cgo)", err)
	}
	env := map[string]string{}
	for _, k := range []string{"TRACE_VIEWER_PORT", "TRACE_VIEWER_OTLP_PORT", "TRACE_VIEWER_OTLP_GRPC_PORT"} {
		env[k] = strconv.Itoa(freePort(t))
	}
	root, _ := filepath.Abs("../..")
	run, err := Viewer.Prepare(app.CompanionScope{Variant: "rest+tracing", Root: root, Dir: t.TempDir(),
		Env: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), run.ReadyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, run.Command[0], run.Command[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // go tool runs the viewer as its child: stop both
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM); cancel(); _ = cmd.Wait() }()
	waitOK(t, ctx, run.Ready, &out)

	stackEnv := map[string]string{}
	for _, kv := range run.Env {
		k, v, _ := strings.Cut(kv, "=")
		stackEnv[k] = v
	}
	if !strings.HasPrefix(stackEnv["OTEL_EXPORTER_OTLP_ENDPOINT"], "http://127.0.0.1:") || stackEnv["LAB_TRACE_VIEWER_URL"] != run.Open {
		t.Fatalf("the processes are told %v", run.Env)
	}
	st := telemetrytest.Start(t, app.MustCompose(rest.Base, Pattern), stackEnv)
	o := telemetrytest.PlaceOrder(t, st.URL)
	traceID := strings.Split(o.Confirm.Get("traceparent"), "-")[1]
	// The confirm in rest: the gateway (server and client), ordering (server,
	// and a client per call to the warehouse, shipping and billing), and each
	// callee's server span — at least eight spans, from six processes.
	var spans int64
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if spans = spanCount(t, run.Open, traceID); spans >= 8 {
			break
		}
	}
	if spans < 8 {
		t.Fatalf("the viewer holds %d spans of trace %s, want at least 8; it said:\n%s", spans, traceID, out.String())
	}
}

// spanCount asks the viewer how many spans of the trace it holds (-1 on an error).
func spanCount(t *testing.T, base, traceID string) int64 {
	body := `{"jsonrpc":"2.0","id":1,"method":"getTraceSpanCount","params":["` + traceID + `"]}`
	resp, err := http.Post(base+"/rpc", "application/json", strings.NewReader(body))
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var r struct {
		Result int64 `json:"result"`
		Error  any   `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Error != nil {
		return -1
	}
	return r.Result
}

func waitOK(t *testing.T, ctx context.Context, u string, out *bytes.Buffer) {
	t.Helper()
	for ctx.Err() == nil {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the viewer did not answer at %s: %v\n%s", u, ctx.Err(), out.String())
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
