package metrics

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/communication-patterns/rest"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/telemetry/telemetrytest"
	"github.com/microservice-patterns/lab/shared/testenv"
)

// tool runs one of Prometheus's programs in dir and fails the test on an error.
func tool(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(testenv.Program(t, name, "apt-get install prometheus"), args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// prepare writes the companion's files for targets into a fresh folder.
func prepare(t *testing.T, variant string, targets []app.Target, env map[string]string) (*app.CompanionRun, string) {
	t.Helper()
	dir := t.TempDir()
	run, err := Prometheus.Prepare(app.CompanionScope{Variant: variant, Dir: dir, Targets: targets,
		Env: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	return run, dir
}

// TestRules: the rules are valid, and promtool's unit tests of them
// (prometheus/rules_test.yml) pass: each alert fires on its series only.
func TestRules(t *testing.T) {
	tool(t, "prometheus", "promtool", "check", "rules", "rules.yml")
	tool(t, "prometheus", "promtool", "test", "rules", "rules_test.yml")
}

// TestScrapeConfig: the generated configuration passes promtool for a base
// without a broker and for one with it (the broker's queues scraped too).
func TestScrapeConfig(t *testing.T) {
	targets := []app.Target{{Name: "customers", Addr: "127.0.0.1:8081"}, {Name: "gateway", Addr: "127.0.0.1:8080"}}
	for _, variant := range []string{"rest+metrics", "event-notification+metrics"} {
		run, dir := prepare(t, variant, targets, map[string]string{"AMQP_URL": "amqp://guest:guest@broker.example:5672/"})
		tool(t, dir, "promtool", "check", "config", "prometheus.yml")
		cfg, _ := os.ReadFile(filepath.Join(dir, "prometheus.yml"))
		if broker := strings.Contains(string(cfg), `"broker.example:15692"`); broker != strings.HasPrefix(variant, "event") {
			t.Errorf("%s: the broker's endpoint scraped: %v\n%s", variant, broker, cfg)
		}
		if !strings.Contains(string(cfg), `service: "customers"`) || run.Ready != "http://127.0.0.1:9090/-/ready" {
			t.Errorf("%s: targets not labelled, or ready at %s:\n%s", variant, run.Ready, cfg)
		}
	}
}

// TestPrometheusScrapesEveryProcess runs the companion for real against
// rest+metrics: every process is up as a target, the rules are loaded, and
// an order shows in a query.
func TestPrometheusScrapesEveryProcess(t *testing.T) {
	testenv.Program(t, "prometheus", "apt-get install prometheus")
	st := telemetrytest.Start(t, app.MustCompose(rest.Base, Pattern), nil)
	targets := []app.Target{{Name: "gateway", Addr: strings.TrimPrefix(st.URL, "http://")}}
	for name, u := range st.Services {
		targets = append(targets, app.Target{Name: name, Addr: strings.TrimPrefix(u, "http://")})
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(telemetrytest.FreePort(t)))
	env := map[string]string{"PROMETHEUS_ADDR": addr}
	prom := telemetrytest.StartCompanion(t, Prometheus, app.CompanionScope{Variant: "rest+metrics", Targets: targets,
		Env: func(k string) string { return env[k] }})
	run := prom.Run
	base := strings.TrimSuffix(run.Ready, "/-/ready")
	if prom.Env()["LAB_PROMETHEUS_URL"] != base {
		t.Errorf("the processes are not told where it is: %v", run.Env)
	}
	telemetrytest.PlaceOrder(t, st.URL)
	// Prometheus scrapes every 5 s.
	prom.Eventually(t, 60*time.Second, "every process up and the order counted", func() bool {
		up := query(t, base, `sum(up{job="lab"})`)
		orders := query(t, base, `sum(lab_orders_created_total)`)
		return up == float64(len(targets)) && orders >= 1
	})
	var rules struct {
		Data struct {
			Groups []struct{ Name string } `json:"groups"`
		} `json:"data"`
	}
	get(t, base+"/api/v1/rules", &rules)
	if len(rules.Data.Groups) != 2 {
		t.Errorf("rule groups loaded: %+v, want lab-recording and lab-alerts", rules.Data.Groups)
	}
}

// query answers the one value of an instant query, or -1.
func query(t *testing.T, base, q string) float64 {
	var r struct {
		Data struct {
			Result []struct {
				Value []any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if !get(t, base+"/api/v1/query?query="+url.QueryEscape(q), &r) || len(r.Data.Result) != 1 || len(r.Data.Result[0].Value) != 2 {
		return -1
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	var v float64
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return -1
	}
	return v
}

func get(t *testing.T, u string, into any) bool {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(into) == nil
}
