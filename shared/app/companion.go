package app

import (
	"time"

	"github.com/microservice-patterns/lab/shared/config"
)

// Companion is a program that `lab run` starts beside a variant so that people
// can look at what a pattern produces — the tracing pattern's trace viewer,
// the metrics pattern's Prometheus. Unlike a Process it is not the lab's own
// code and nothing in the variant depends on it: when it is not installed the
// runner says how to get it and runs the variant anyway. Tests and `lab smoke`
// start none.
type Companion struct {
	Name string // as the runner's lines name it: "trace viewer", "prometheus"
	// Skip, when set, says from the settings that the companion is not
	// wanted — the user points the telemetry at a viewer of their own.
	Skip func(env config.Getenv) bool
	// Prepare writes what the companion needs (its configuration) under
	// s.Dir and returns how to run it.
	Prepare func(s CompanionScope) (*CompanionRun, error)
}

// CompanionScope is what a companion is prepared from.
type CompanionScope struct {
	Variant string
	Root    string        // the repository root: the tools module is in tools/
	Dir     string        // a folder of the companion's own, emptied for each run
	Env     config.Getenv // the runner's settings
	// Targets are the variant's processes: what a scraper scrapes.
	Targets []Target
}

// Target is one running process of a variant.
type Target struct {
	Name string // customers … billing, gateway, auth
	Addr string // host:port
}

// CompanionRun is how to run a prepared companion.
type CompanionRun struct {
	Command []string // the program and its arguments
	// Missing is the one line the runner prints when the program is not
	// installed: how to install it.
	Missing string
	// Notice, when set, is printed before the companion starts (a first
	// build that takes a while).
	Notice string
	// Ready is a URL that answers 200 once the companion is up; ReadyTimeout
	// bounds the wait (a minute when zero).
	Ready        string
	ReadyTimeout time.Duration
	// Env is what every process of the variant is told to reach the
	// companion (OTEL_EXPORTER_OTLP_ENDPOINT=…), and the gateway to link to
	// it (LAB_TRACE_VIEWER_URL=…).
	Env []string
	// Open is where a person opens it, printed once it is ready.
	Open string
}

// Companions returns the companions of the variant's patterns that env does
// not skip, in the order the patterns name them; one that two patterns name
// runs once.
func (v Variant) Companions(env config.Getenv) []Companion {
	return gather(v, env, func(p *Pattern) []Companion { return p.Companions },
		func(c Companion) (string, func(config.Getenv) bool) { return c.Name, c.Skip })
}
