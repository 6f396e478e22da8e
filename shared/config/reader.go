package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LoadFaults returns the faults a service starts with: <SVC>_FAULTS, a JSON
// document such as {"errorRate":0.2,"latencyMs":100}. Empty means none; the
// service's PUT /admin/faults changes them at run time.
func LoadFaults(service string, env Getenv) string {
	return strings.TrimSpace(env(strings.ToUpper(service) + "_FAULTS"))
}

// Reader reads a pattern's settings from an environment: each pattern keeps
// its own settings in its folder and reads them with these typed readers,
// which keep the first error, naming its variable.
type Reader struct{ r reader }

// NewReader returns a reader of env.
func NewReader(env Getenv) *Reader { return &Reader{r: reader{env: env}} }

// String returns the value of key, or def when it is unset or blank.
func (r *Reader) String(key, def string) string { return r.r.str(key, def) }

// Duration returns the duration of key (such as 250ms), or def.
func (r *Reader) Duration(key string, def time.Duration) time.Duration { return r.r.duration(key, def) }

// Positive returns the integer of key, which must be above 0, or def.
func (r *Reader) Positive(key string, def int) int { return r.r.positive(key, def) }

// Number returns the number of key, or def.
func (r *Reader) Number(key string, def float64) float64 { return r.r.number(key, def) }

// Fail records that key holds a value the pattern refuses.
func (r *Reader) Fail(key string, err error) { r.r.fail(key, err) }

// Err returns the first error, or nil.
func (r *Reader) Err() error { return r.r.err }

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
