package main

import (
	"context"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/testenv"
)

// TestBenchGateway runs lab bench-gateway for one short round: the
// gateway, the bare proxy and nginx (when installed) each serve wrk's
// requests, and the table gives each its rate and its own CPU time per
// request, with their ratios to the bare proxy.
func TestBenchGateway(t *testing.T) {
	testenv.Program(t, "wrk", "apt-get install wrk")
	// The processes the command starts are this test binary: they run
	// the lab's main, as bin/lab would.
	t.Setenv("LAB_TEST_MAIN", "1")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out strings.Builder
	if err := benchGatewayCommand(ctx, "", []string{"-rounds", "1", "-duration", "1s", "-connections", "4"}, &out); err != nil {
		t.Fatalf("bench-gateway: %v\n%s", err, out.String())
	}
	rows := []string{"gateway", "gateway, GOGC=50", "bare proxy"}
	if _, err := exec.LookPath("nginx"); err == nil {
		rows = append(rows, "nginx")
	}
	for _, name := range rows {
		// | name | rate | ratio | ratio | CPU µs | ratio |
		row := regexp.MustCompile(`(?m)^\| ` + regexp.QuoteMeta(name) + ` \| [1-9][0-9]* \| [0-9.]+× \| [0-9.–×]+ \| [0-9]+\.[0-9] µs \| [0-9.]+× \|$`)
		if !row.MatchString(out.String()) {
			t.Errorf("no row for %s with a rate and a CPU time per request:\n%s", name, out.String())
		}
	}
}
