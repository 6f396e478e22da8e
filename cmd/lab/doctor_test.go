package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// fakeMachine has every tool in a good version, RabbitMQ, its management
// plugin and PostgreSQL, and the ports free; a test breaks what it needs.
func fakeMachine() machine {
	tools := map[string]string{"go": "go version go1.26.0 linux/amd64", "node": "v20.19.2", "npm": "10.8.2",
		"chromium": "/usr/bin/chromium: 9: [: unexpected operator\nChromium 139.0.7258.154", "prometheus": "prometheus, version 2.53.3 (branch: …)\n  build user: x"}
	return machine{
		output: func(_ context.Context, name string, _ ...string) (string, error) {
			if out, ok := tools[name]; ok {
				return out, nil
			}
			return "", fmt.Errorf("exec: %q: %w", name, exec.ErrNotFound)
		},
		amqp:     func(string) error { return nil },
		httpGet:  func(context.Context, string, string, string) (int, error) { return 200, nil },
		postgres: func(context.Context, string) error { return nil },
		listen:   func(string) error { return nil },
		env:      func(string) string { return "" },
	}
}

func TestDoctor(t *testing.T) {
	t.Run("all set", func(t *testing.T) {
		var out strings.Builder
		if failed := doctor(context.Background(), fakeMachine(), &out); failed != 0 {
			t.Fatalf("%d failed:\n%s", failed, &out)
		}
		for _, want := range []string{"ok    Go                   go1.26.0 linux/amd64", "node v20.19.2, npm 10.8.2",
			"logged in at amqp://guest:", "http://127.0.0.1:15672/", "ok    chromium             Chromium 139", "prometheus, version 2.53.3 (branch: …)",
			"8080–8086", "all set"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("no %q in\n%s", want, &out)
			}
		}
	})
	type breakage struct {
		name    string
		breakIt func(m *machine)
		want    []string // in the output
	}
	without := func(tool string) func(m *machine) {
		return func(m *machine) {
			inner := m.output
			m.output = func(ctx context.Context, name string, args ...string) (string, error) {
				if name == tool || (tool == "chromium" && name == "chromium-browser") {
					return "", fmt.Errorf("exec: %q: %w", name, exec.ErrNotFound)
				}
				return inner(ctx, name, args...)
			}
		}
	}
	for _, b := range []breakage{
		{"an old Go", func(m *machine) {
			inner := m.output
			m.output = func(ctx context.Context, name string, args ...string) (string, error) {
				if name == "go" {
					return "go version go1.22.5 linux/amd64", nil
				}
				return inner(ctx, name, args...)
			}
		}, []string{"FAIL  Go", "go1.22 is older than 1.26", "https://go.dev/dl/"}},
		{"no node", without("node"), []string{"FAIL  Node and npm", "not installed", "apt-get install nodejs npm"}},
		{"no npm", without("npm"), []string{"node v20.19.2, but npm --version: not installed"}},
		{"wrong broker credentials", func(m *machine) {
			m.amqp = func(string) error { return errors.New("RabbitMQ refused the login: username or password not allowed") }
		}, []string{"FAIL  RabbitMQ ", "username or password not allowed", "set AMQP_URL to a user"}},
		{"no broker", func(m *machine) {
			m.amqp = func(string) error { return errors.New("dial tcp 127.0.0.1:5672: connection refused") }
		}, []string{"FAIL  RabbitMQ ", "connection refused", "rabbitmq-server -detached"}},
		{"a management user without the tag", func(m *machine) {
			m.httpGet = func(context.Context, string, string, string) (int, error) { return 401, nil }
		}, []string{"FAIL  RabbitMQ management", "refuses the user", "set_user_tags"}},
		{"no management plugin", func(m *machine) {
			m.httpGet = func(context.Context, string, string, string) (int, error) { return 0, errors.New("connection refused") }
		}, []string{"FAIL  RabbitMQ management", "rabbitmq-plugins enable rabbitmq_management"}},
		{"no PostgreSQL", func(m *machine) {
			m.postgres = func(context.Context, string) error { return errors.New("connection refused") }
		}, []string{"FAIL  PostgreSQL", "postgres://postgres@127.0.0.1:5432/test", "apt-get install postgresql"}},
		{"no chromium", without("chromium"), []string{"FAIL  chromium", "apt-get install chromium"}},
		{"no prometheus", without("prometheus"), []string{"FAIL  prometheus", "make run-metrics"}},
		{"a port in use", func(m *machine) {
			m.listen = func(addr string) error {
				if strings.HasSuffix(addr, ":8082") {
					return errors.New("address already in use")
				}
				return nil
			}
		}, []string{"FAIL  free ports", "in use: 8082", "LAB_PORT_BASE=9080 make run"}},
	} {
		t.Run(b.name, func(t *testing.T) {
			m := fakeMachine()
			b.breakIt(&m)
			var out strings.Builder
			if failed := doctor(context.Background(), m, &out); failed != 1 {
				t.Errorf("%d checks failed, want 1:\n%s", failed, &out)
			}
			for _, want := range b.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("no %q in\n%s", want, &out)
				}
			}
			if strings.Contains(out.String(), "all set") {
				t.Errorf("all set, although a check failed:\n%s", &out)
			}
		})
	}
	t.Run("the ports follow LAB_PORT_BASE", func(t *testing.T) {
		m := fakeMachine()
		m.env = func(k string) string { return map[string]string{"LAB_PORT_BASE": "28480"}[k] }
		var out strings.Builder
		doctor(context.Background(), m, &out)
		if !strings.Contains(out.String(), "28480–28486") {
			t.Errorf("no 28480–28486 in\n%s", &out)
		}
	})
}
