package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/faults"
)

// scenario is one demo: the same bounded load, under the same faults, against
// the baseline and against one reliability variant.
type scenario struct {
	variant string
	about   string                     // what to look at in the table
	faults  map[string]faults.Settings // per service, in force while the load runs
	// env tightens the variant's settings for the demo; the baseline ignores them.
	env  map[string]string
	load load
	// downstream is the service whose requests count as "reached downstream".
	downstream string
}

// load is what the demo's client does: orders placed by workers.
type load struct {
	orders      int           // orders placed in all
	concurrency int           // workers placing them at once: the caller's capacity
	rate        float64       // orders due per second; 0: as fast as the workers go
	confirm     bool          // confirm each order once its item is added
	limit       time.Duration // no order starts after this, so the demo ends in bounded time
}

// scenarioFile is a demo as a pattern's folder keeps it: <folder>/demo.json.
type scenarioFile struct {
	About  string                     `json:"about"`
	Faults map[string]faults.Settings `json:"faults"`
	Env    map[string]string          `json:"env"`
	Load   struct {
		Orders      int     `json:"orders"`
		Concurrency int     `json:"concurrency"`
		Rate        float64 `json:"rate"`
		Confirm     bool    `json:"confirm"`
		Limit       string  `json:"limit"`
	} `json:"load"`
	Downstream string `json:"downstream"`
}

// scenarioOf returns the demo of a variant: that of its last pattern that has
// one, read from the pattern's folder under root.
func scenarioOf(root string, v app.Variant) (scenario, error) {
	for i := len(v.Patterns) - 1; i >= 0; i-- {
		paths, _ := filepath.Glob(filepath.Join(root, "*-patterns", v.Patterns[i].Name, "demo.json"))
		if len(paths) == 1 {
			s, err := readScenario(paths[0])
			s.variant = v.Name
			return s, err
		}
	}
	paths, _ := filepath.Glob(filepath.Join(root, "*-patterns", "*", "demo.json"))
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(filepath.Dir(p)))
	}
	return scenario{}, fmt.Errorf("variant %s has no demo; the patterns with one: %s", v.Name, strings.Join(names, ", "))
}

// readScenario reads and checks one demo.json.
func readScenario(path string) (scenario, error) {
	var f scenarioFile
	b, err := os.ReadFile(path)
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		err = dec.Decode(&f)
	}
	if err != nil {
		return scenario{}, fmt.Errorf("read the demo %s: %w", path, err)
	}
	limit, err := time.ParseDuration(f.Load.Limit)
	s := scenario{about: f.About, faults: f.Faults, env: f.Env, downstream: f.Downstream,
		load: load{orders: f.Load.Orders, concurrency: f.Load.Concurrency, rate: f.Load.Rate, confirm: f.Load.Confirm, limit: limit}}
	switch {
	case err != nil:
		return s, fmt.Errorf("the demo %s: load.limit: %w", path, err)
	case s.load.orders < 1 || s.load.concurrency < 1 || s.load.limit <= 0 || s.downstream == "" || len(s.faults) == 0 || s.about == "":
		return s, fmt.Errorf("the demo %s is incomplete: it needs about, faults, downstream and a load with orders, concurrency and a limit", path)
	}
	for name, fs := range s.faults {
		if err := fs.Validate(); err != nil {
			return s, fmt.Errorf("the demo %s: faults of %s: %w", path, name, err)
		}
	}
	return s, nil
}

// describe is the demo's heading: the faults, the settings and the load.
func (s scenario) describe() string {
	var b strings.Builder
	base, _, _ := strings.Cut(s.variant, "+")
	fmt.Fprintf(&b, "demo %s: the baseline (%s) and %s, one after the other, under the same load and faults\n", s.variant, base, s.variant)
	fmt.Fprintf(&b, "%s\n", wrap(s.about, 96, "  "))
	for _, name := range sortedKeys(s.faults) {
		fmt.Fprintf(&b, "  faults   %s: %s\n", name, s.faults[name])
	}
	yours := config.Lookup(sortedKeys(s.env)...)
	for _, k := range sortedKeys(s.env) {
		if mine := yours[k]; mine != "" {
			fmt.Fprintf(&b, "  setting  %s=%s (yours; the demo's is %s)\n", k, mine, s.env[k])
			continue
		}
		fmt.Fprintf(&b, "  setting  %s=%s\n", k, s.env[k])
	}
	steps := "create an order, add an item"
	if s.load.confirm {
		steps += ", confirm"
	}
	pace := "as fast as they go"
	if s.load.rate > 0 {
		pace = fmt.Sprintf("%g due per second", s.load.rate)
	}
	fmt.Fprintf(&b, "  load     %d orders, %s, by %d workers (%s each), none started after %s\n",
		s.load.orders, pace, s.load.concurrency, steps, s.load.limit)
	return b.String()
}

// wrap breaks text into lines of at most width, each behind indent.
func wrap(text string, width int, indent string) string {
	var lines []string
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	return strings.Join(append(lines, line), "\n")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
