package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The settings of the fault injection (every variant) and of the reliability
// variants. Each has a default that lets the acceptance suite and normal use of
// the UI pass; the demos (lab demo <variant>) tighten them.

// LoadFaults returns the faults a service starts with: <SVC>_FAULTS, a JSON
// document such as {"errorRate":0.2,"latencyMs":100}. Empty means none; the
// service's PUT /admin/faults changes them at run time.
func LoadFaults(service string, env Getenv) string {
	return strings.TrimSpace(env(strings.ToUpper(service) + "_FAULTS"))
}

// Breaker configures the circuit breakers of the circuit-breaker variant.
type Breaker struct {
	Failures uint32        // BREAKER_FAILURES: consecutive failures that open a breaker
	Cooldown time.Duration // BREAKER_COOLDOWN: how long an open breaker fails fast before it lets a trial call through
	Trials   uint32        // BREAKER_TRIALS: calls let through when half-open; that many successes close it
}

// LoadBreaker reads the circuit breakers' settings.
func LoadBreaker(env Getenv) (Breaker, error) {
	r := reader{env: env}
	b := Breaker{
		Failures: uint32(r.positive("BREAKER_FAILURES", 5)),
		Cooldown: r.duration("BREAKER_COOLDOWN", 5*time.Second),
		Trials:   uint32(r.positive("BREAKER_TRIALS", 1)),
	}
	if b.Cooldown <= 0 {
		r.fail("BREAKER_COOLDOWN", fmt.Errorf("want a duration above 0, got %s", b.Cooldown))
	}
	return b, r.err
}

// Retry configures the retries of the retry variant.
type Retry struct {
	Attempts  int           // RETRY_ATTEMPTS: tries of one call in all, the first one included
	BaseDelay time.Duration // RETRY_BASE_DELAY: the backoff before the first retry; it doubles for each next one
	MaxDelay  time.Duration // RETRY_MAX_DELAY: the cap of one backoff
	Budget    time.Duration // RETRY_BUDGET: no retry starts, nor waits, past this time after the first try
}

// LoadRetry reads the retry settings.
func LoadRetry(env Getenv) (Retry, error) {
	r := reader{env: env}
	s := Retry{
		Attempts:  r.positive("RETRY_ATTEMPTS", 3),
		BaseDelay: r.duration("RETRY_BASE_DELAY", 50*time.Millisecond),
		MaxDelay:  r.duration("RETRY_MAX_DELAY", time.Second),
		Budget:    r.duration("RETRY_BUDGET", 3*time.Second),
	}
	if s.MaxDelay < s.BaseDelay {
		r.fail("RETRY_MAX_DELAY", fmt.Errorf("want at least RETRY_BASE_DELAY (%s), got %s", s.BaseDelay, s.MaxDelay))
	}
	return s, r.err
}

// Timeouts configures the deadlines of the timeout variant.
type Timeouts struct {
	Call    time.Duration // TIMEOUT_CALL: the deadline of one call to another service
	Request time.Duration // TIMEOUT_REQUEST: the budget of all the calls one incoming request makes
}

// LoadTimeouts reads the timeout settings.
func LoadTimeouts(env Getenv) (Timeouts, error) {
	r := reader{env: env}
	t := Timeouts{Call: r.duration("TIMEOUT_CALL", 2*time.Second), Request: r.duration("TIMEOUT_REQUEST", 4*time.Second)}
	for key, d := range map[string]time.Duration{"TIMEOUT_CALL": t.Call, "TIMEOUT_REQUEST": t.Request} {
		if d <= 0 {
			r.fail(key, fmt.Errorf("want a duration above 0, got %s", d))
		}
	}
	return t, r.err
}

// Bulkhead configures the bulkheads of the bulkhead variant: how many calls
// ordering may have in flight to each service at once (BULKHEAD_<SERVICE>).
type Bulkhead map[string]int

// LoadBulkhead reads the bulkheads' sizes.
func LoadBulkhead(env Getenv) (Bulkhead, error) {
	r := reader{env: env}
	b := Bulkhead{}
	for name, def := range map[string]int{"customers": 16, "warehouse": 16, "shipping": 8, "billing": 8} {
		b[name] = r.positive("BULKHEAD_"+strings.ToUpper(name), def)
	}
	return b, r.err
}

// RateLimit configures the gateway's rate limiter in the rate-limiting variant.
type RateLimit struct {
	Rate       float64       // RATE_LIMIT_RPS: requests per second a client may sustain
	Burst      int           // RATE_LIMIT_BURST: requests a client may send at once (the bucket's size)
	Idle       time.Duration // RATE_LIMIT_IDLE: a client unseen this long is forgotten
	MaxClients int           // RATE_LIMIT_MAX_CLIENTS: clients remembered at most; beyond, the least recent is forgotten
	APIKeys    []string      // RATE_LIMIT_API_KEYS: the API keys that name a client (comma-separated); any other key is ignored
}

// MaxAPIKeyLen bounds the length of an API key.
const MaxAPIKeyLen = 128

// LoadRateLimit reads the rate limiter's settings.
func LoadRateLimit(env Getenv) (RateLimit, error) {
	r := reader{env: env}
	l := RateLimit{
		Rate:       r.number("RATE_LIMIT_RPS", 100),
		Burst:      r.positive("RATE_LIMIT_BURST", 600),
		Idle:       r.duration("RATE_LIMIT_IDLE", 5*time.Minute),
		MaxClients: r.positive("RATE_LIMIT_MAX_CLIENTS", 10000),
	}
	for _, k := range strings.Split(r.str("RATE_LIMIT_API_KEYS", ""), ",") {
		switch k = strings.TrimSpace(k); {
		case k == "":
		case len(k) > MaxAPIKeyLen:
			r.fail("RATE_LIMIT_API_KEYS", fmt.Errorf("want keys of at most %d characters, got one of %d", MaxAPIKeyLen, len(k)))
		default:
			l.APIKeys = append(l.APIKeys, k)
		}
	}
	if l.Rate <= 0 {
		r.fail("RATE_LIMIT_RPS", fmt.Errorf("want a rate above 0, got %g", l.Rate))
	}
	// Forgetting a client is harmless only once its bucket has filled up again.
	if full := time.Duration(float64(l.Burst) / l.Rate * float64(time.Second)); l.Rate > 0 && l.Idle < full {
		r.fail("RATE_LIMIT_IDLE", fmt.Errorf("want at least RATE_LIMIT_BURST/RATE_LIMIT_RPS (%s), got %s", full, l.Idle))
	}
	return l, r.err
}

// Lookup returns the value of each of the keys that is set, to something other
// than "", in the process environment (Env). The lab's commands use it to tell
// the settings a user chose from their own defaults; config stays the one
// package that reads the environment.
func Lookup(keys ...string) map[string]string {
	set := map[string]string{}
	for _, k := range keys {
		if v := Env(k); v != "" {
			set[k] = v
		}
	}
	return set
}

// Hosts maps the host (host:port) of each service's URL to the service's name:
// the per-service decorators of the reliability variants use it to tell which
// service a request goes to.
func (u URLs) Hosts() map[string]string {
	hosts := map[string]string{}
	for name, raw := range u.ByName() {
		if p, err := url.Parse(raw); err == nil && p.Host != "" {
			hosts[p.Host] = name
		}
	}
	return hosts
}

func (r *reader) positive(key string, def int) int {
	n := r.integer(key, def)
	if n < 1 {
		r.fail(key, fmt.Errorf("want an integer above 0, got %d", n))
		return def
	}
	return n
}

func (r *reader) number(key string, def float64) float64 {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		r.fail(key, fmt.Errorf("want a number, got %q", v))
		return def
	}
	return f
}
