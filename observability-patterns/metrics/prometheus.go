package metrics

import (
	_ "embed"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
)

// rules are the recording and alert rules Prometheus evaluates (tested by
// prometheus/rules_test.yml with promtool).
//
//go:embed prometheus/rules.yml
var rules []byte

// Prometheus is the companion `lab run` starts with the metrics pattern:
// Debian's (or any) prometheus on PROMETHEUS_ADDR (127.0.0.1:9090), scraping
// every process of the variant every 5 s and, when the variant uses RabbitMQ,
// the broker's own Prometheus endpoint for its queues.
var Prometheus = app.Companion{Name: "prometheus", Prepare: preparePrometheus}

// prometheusAddr is where the companion listens.
func prometheusAddr(env config.Getenv) string {
	if a := env("PROMETHEUS_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:9090"
}

func preparePrometheus(s app.CompanionScope) (*app.CompanionRun, error) {
	cfg := ScrapeConfig(s.Variant, s.Targets, brokerMetrics(s.Env, s.Variant))
	if err := os.WriteFile(filepath.Join(s.Dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "rules.yml"), rules, 0o644); err != nil {
		return nil, err
	}
	addr := prometheusAddr(s.Env)
	base := "http://" + addr
	return &app.CompanionRun{
		Command: []string{"prometheus",
			"--config.file=" + filepath.Join(s.Dir, "prometheus.yml"),
			"--storage.tsdb.path=" + filepath.Join(s.Dir, "data"),
			"--storage.tsdb.retention.time=1d",
			"--web.listen-address=" + addr,
			"--log.level=warn"},
		Missing:      "install it (Debian/Ubuntu: apt-get install prometheus; macOS: brew install prometheus) for the lab panel's charts and the alerts",
		Ready:        base + "/-/ready",
		ReadyTimeout: 30 * time.Second,
		Env:          []string{"LAB_PROMETHEUS_URL=" + base},
		Open:         base + "/alerts",
	}, nil
}

// brokerMetrics is the host:port of RabbitMQ's Prometheus endpoint
// (rabbitmq_prometheus, port 15692 on the broker's host), or "" when the
// variant does not use the broker. RABBITMQ_PROMETHEUS_ADDR overrides it.
func brokerMetrics(env config.Getenv, variant string) string {
	v, err := app.Lookup(variant)
	if err != nil || !v.Broker() {
		return ""
	}
	if a := env("RABBITMQ_PROMETHEUS_ADDR"); a != "" {
		return a
	}
	host := "127.0.0.1"
	if u, err := url.Parse(env("AMQP_URL")); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return net.JoinHostPort(host, "15692")
}

// ScrapeConfig is the Prometheus configuration for a variant's processes: one
// job, each target labelled with its service and its process (the runner's
// name of it: warehouse-2 is the second instance of the warehouse, whose
// series the rules' sums by service count with the first's), the rules file
// beside it, and, when broker is set, RabbitMQ's per-queue metrics.
func ScrapeConfig(variant string, targets []app.Target, broker string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# Written by lab run for %s; it is rewritten at each run.
global:
  scrape_interval: 5s
  evaluation_interval: 5s
  external_labels:
    variant: %q
rule_files:
  - rules.yml
scrape_configs:
  - job_name: lab
    metrics_path: /metrics
    static_configs:
`, variant, variant)
	for _, t := range targets {
		fmt.Fprintf(&b, "      - targets: [%q]\n        labels:\n          service: %q\n          process: %q\n", t.Addr, config.ServiceOf(t.Name), t.Name)
	}
	if broker != "" {
		fmt.Fprintf(&b, `  - job_name: rabbitmq
    metrics_path: /metrics/per-object
    scrape_interval: 15s
    static_configs:
      - targets: [%q]
`, broker)
	}
	return b.String()
}
