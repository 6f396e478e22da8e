package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Variant is one way of running the ordering case: the baseline or the baseline plus one pattern.
type Variant struct {
	Name        string // what `lab run` takes, and the name of its binary in bin/
	Folder      string // its main package, relative to the repository root
	Category    string
	Description string
	Broker      bool // it needs RabbitMQ at AMQP_URL
}

// Status is "ready" when the variant's folder has a main.go under root, else "planned".
func (v Variant) Status(root string) string {
	if _, err := os.Stat(filepath.Join(root, v.Folder, "main.go")); err == nil {
		return "ready"
	}
	return "planned"
}

// catalogue lists every variant of the lab, by category.
var catalogue = []Variant{
	{"rest", "communication-patterns/rest", "communication",
		"synchronous REST calls between the services: the baseline every other variant is compared with", false},
	{"event-notification", "communication-patterns/event-notification", "communication",
		"events carry ids only; a consumer calls the owner back for the data", true},
	{"event-carried-state-transfer", "communication-patterns/event-carried-state-transfer", "communication",
		"events carry the whole resource; consumers keep local copies and never call back", true},
	{"circuit-breaker", "reliability-patterns/circuit-breaker", "reliability",
		"ordering stops calling a failing service for a while and fails fast instead", false},
	{"retry", "reliability-patterns/retry", "reliability",
		"transient failures are retried with backoff and jitter, only where repeating is safe", false},
	{"timeout", "reliability-patterns/timeout", "reliability",
		"every call to another service has a deadline, so a slow service cannot hold ordering up", false},
	{"rate-limiting", "reliability-patterns/rate-limiting", "reliability",
		"the gateway answers 429 with Retry-After past a request rate", false},
	{"bulkhead", "reliability-patterns/bulkhead", "reliability",
		"each downstream service gets its own bounded pool of concurrent calls", false},
	{"tracing", "observability-patterns/tracing", "observability",
		"OpenTelemetry spans follow one request through every service", false},
	{"metrics", "observability-patterns/metrics", "observability",
		"Prometheus metrics for requests, calls and business events", false},
	{"logging", "observability-patterns/logging", "observability",
		"structured JSON logs correlated by request and trace id", false},
	{"token-relay", "security-patterns/token-relay", "security",
		"the user's token is checked at the gateway and relayed to every service", false},
	{"token-exchange", "security-patterns/token-exchange", "security",
		"each hop exchanges the user's token for one scoped to the next service", false},
	{"client-credentials", "security-patterns/client-credentials", "security",
		"services call each other with their own OAuth2 client-credentials tokens", false},
}

// lookup finds a variant by name.
func lookup(name string) (Variant, error) {
	for _, v := range catalogue {
		if v.Name == name {
			return v, nil
		}
	}
	return Variant{}, fmt.Errorf("unknown variant %q; `lab list` shows them", name)
}

// ready returns the named variant when its code exists under root.
func ready(root, name string) (Variant, error) {
	v, err := lookup(name)
	if err != nil {
		return v, err
	}
	if v.Status(root) != "ready" {
		return v, fmt.Errorf("variant %s is planned: %s has no main.go yet", v.Name, v.Folder)
	}
	return v, nil
}

// list prints the catalogue, one line per variant.
func list(w io.Writer, root string) {
	width := 0
	for _, v := range catalogue {
		width = max(width, len(v.Name))
	}
	for _, v := range catalogue {
		broker := ""
		if v.Broker {
			broker = " (needs RabbitMQ)"
		}
		fmt.Fprintf(w, "%-*s  %-7s  %-13s  %s%s\n", width, v.Name, v.Status(root), v.Category, v.Description, broker)
	}
}
