package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

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

// scenarios are the demos, one per reliability variant.
var scenarios = []scenario{
	{
		variant: "circuit-breaker",
		about: "The warehouse fails every call after 200 ms. Without a breaker every add-item waits " +
			"for that failure; with one, after BREAKER_FAILURES failures the breaker opens and " +
			"ordering answers 503 at once, letting a trial call through every BREAKER_COOLDOWN.",
		faults:     map[string]faults.Settings{"warehouse": {ErrorRate: 1, LatencyMs: 200}},
		env:        map[string]string{"BREAKER_FAILURES": "5", "BREAKER_COOLDOWN": "2s"},
		load:       load{orders: 200, concurrency: 8, rate: 40, limit: 20 * time.Second},
		downstream: "warehouse",
	},
	{
		variant: "retry",
		about: "The warehouse fails 30% of calls with 503. Without retries an add-item (two calls to " +
			"the warehouse) fails half the time; with up to 3 tries with backoff and jitter almost " +
			"never, at the price of more calls reaching the warehouse.",
		faults:     map[string]faults.Settings{"warehouse": {ErrorRate: 0.3}},
		env:        map[string]string{"RETRY_ATTEMPTS": "3", "RETRY_BASE_DELAY": "50ms", "RETRY_BUDGET": "2s"},
		load:       load{orders: 200, concurrency: 8, rate: 40, limit: 20 * time.Second},
		downstream: "warehouse",
	},
	{
		variant: "timeout",
		about: "The warehouse hangs: it takes every call and never answers. Without deadlines an " +
			"add-item waits for the HTTP client's own timeout (LAB_HTTP_TIMEOUT, 10 s) and the " +
			"workers fall behind; with a deadline of 1 s per call and a budget of 1.5 s per request " +
			"it is a 504 after 1 s, and every order is placed on time.",
		faults:     map[string]faults.Settings{"warehouse": {Down: faults.Hang}},
		env:        map[string]string{"TIMEOUT_CALL": "1s", "TIMEOUT_REQUEST": "1500ms"},
		load:       load{orders: 40, concurrency: 8, rate: 4, limit: 12 * time.Second},
		downstream: "warehouse",
	},
	{
		variant: "rate-limiting",
		about: "One client places 100 orders per second (200 requests). Without a limit every request " +
			"reaches the services; with a bucket of 20 requests refilled at 20 per second the " +
			"excess gets 429 at the gateway at once, and the warehouse sees a bounded rate.",
		faults: map[string]faults.Settings{"warehouse": {LatencyMs: 10}},
		// The invariant checks come from the same address as the load: their own key keeps them out of its bucket.
		env:        map[string]string{"RATE_LIMIT_RPS": "20", "RATE_LIMIT_BURST": "20", "RATE_LIMIT_API_KEYS": checkKey},
		load:       load{orders: 300, concurrency: 16, rate: 100, limit: 20 * time.Second},
		downstream: "warehouse",
	},
	{
		variant: "bulkhead",
		about: "Shipping takes 3 s per call, and 8 workers each create an order, add an item and " +
			"confirm. Without a bulkhead every worker ends up waiting on shipping and items are " +
			"added slowly; with BULKHEAD_SHIPPING=2 the third confirm at once fails fast (503, the " +
			"order stays CONFIRMED) and the workers keep reserving.",
		faults:     map[string]faults.Settings{"shipping": {LatencyMs: 3000}},
		env:        map[string]string{"BULKHEAD_SHIPPING": "2"},
		load:       load{orders: 120, concurrency: 8, rate: 10, confirm: true, limit: 20 * time.Second},
		downstream: "shipping",
	},
}

// scenarioOf returns the demo of the named variant.
func scenarioOf(name string) (scenario, error) {
	var names []string
	for _, s := range scenarios {
		if s.variant == name {
			return s, nil
		}
		names = append(names, s.variant)
	}
	return scenario{}, fmt.Errorf("variant %q has no demo; the demos: %s", name, strings.Join(names, ", "))
}

// describe is the demo's heading: the faults, the settings and the load.
func (s scenario) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "demo %s: the baseline (rest) and %s, one after the other, under the same load and faults\n", s.variant, s.variant)
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
