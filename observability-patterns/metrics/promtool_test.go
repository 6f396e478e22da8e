package metrics

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/shared/app"
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

// TestScrapeConfig_replicas: each instance of a service is a target of its
// own, labelled with the service (the rules sum its instances) and with its
// process name, which tells them apart.
func TestScrapeConfig_replicas(t *testing.T) {
	targets := []app.Target{{Name: "warehouse", Addr: "127.0.0.1:8083"}, {Name: "warehouse-2", Addr: "127.0.0.1:8103"},
		{Name: "gateway", Addr: "127.0.0.1:8080"}}
	_, dir := prepare(t, "rest+metrics", targets, nil)
	tool(t, dir, "promtool", "check", "config", "prometheus.yml")
	cfg, _ := os.ReadFile(filepath.Join(dir, "prometheus.yml"))
	for _, want := range []string{
		"- targets: [\"127.0.0.1:8083\"]\n        labels:\n          service: \"warehouse\"\n          process: \"warehouse\"\n",
		"- targets: [\"127.0.0.1:8103\"]\n        labels:\n          service: \"warehouse\"\n          process: \"warehouse-2\"\n",
		"- targets: [\"127.0.0.1:8080\"]\n        labels:\n          service: \"gateway\"\n          process: \"gateway\"\n",
	} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("no target\n%s\nin\n%s", want, cfg)
		}
	}
}
