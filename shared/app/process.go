package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/microservice-patterns/lab/shared/config"
)

// Process is a process that a pattern adds to a variant besides the five
// services and the gateway — the security patterns' identity provider, auth.
// `lab serve <variant> <name>` runs it; the runner starts it, and shared/stack
// in-process, before the services, which find it at <NAME>_URL. Its port is
// config.DefaultPorts[name] (moved by LAB_PORT_BASE like the others); its
// listen address is <NAME>_ADDR.
type Process struct {
	Name string
	// Skip, when set, says from the settings that the process is not needed
	// (an external identity provider is configured): nothing starts it.
	Skip func(env config.Getenv) bool
	// Build returns the process's handler and what closes it.
	Build func(ctx context.Context, s ProcessScope) (http.Handler, func() error, error)
}

// ProcessScope is what a process is built from.
type ProcessScope struct {
	Variant string
	URL     string        // where clients reach the process (<NAME>_URL)
	Env     config.Getenv // the stack's settings
	Log     *slog.Logger
}

// Processes returns the extra processes of the variant's patterns that env
// does not skip, in the order the patterns name them; a process two patterns
// name runs once, as the first names it.
func (v Variant) Processes(env config.Getenv) []Process {
	return gather(v, env, func(p *Pattern) []Process { return p.Processes },
		func(p Process) (string, func(config.Getenv) bool) { return p.Name, p.Skip })
}

// gather collects what the variant's patterns name — their processes, their
// companions — in the order they name it, leaving out what env skips and
// keeping the first of two by one name.
func gather[T any](v Variant, env config.Getenv, of func(*Pattern) []T, key func(T) (string, func(config.Getenv) bool)) []T {
	var out []T
	seen := map[string]bool{}
	for _, p := range v.Patterns {
		for _, x := range of(p) {
			name, skip := key(x)
			if seen[name] || (skip != nil && skip(env)) {
				continue
			}
			seen[name] = true
			out = append(out, x)
		}
	}
	return out
}

// ProcessNames lists the names of the variant's extra processes that env does not skip.
func (v Variant) ProcessNames(env config.Getenv) []string {
	var names []string
	for _, p := range v.Processes(env) {
		names = append(names, p.Name)
	}
	return names
}

// process returns the variant's extra process of that name.
func (v Variant) process(name string) (Process, bool) {
	for _, p := range v.Processes(func(string) string { return "" }) {
		if p.Name == name {
			return p, true
		}
	}
	return Process{}, false
}

// BuildProcess builds the named extra process of the variant.
func BuildProcess(ctx context.Context, v Variant, name, url string, env config.Getenv, log *slog.Logger) (http.Handler, func() error, error) {
	p, ok := v.process(name)
	if !ok {
		return nil, nil, fmt.Errorf("variant %s has no process %q", v.Name, name)
	}
	return p.Build(ctx, ProcessScope{Variant: v.Name, URL: url, Env: env, Log: log})
}

// Login returns an access token of user for the variant's gateway when one
// of its patterns secures it, or "" when the variant's API is open.
func (v Variant) Login(ctx context.Context, env config.Getenv, user string) (string, error) {
	for _, p := range v.Patterns {
		if p.Login != nil {
			return p.Login(ctx, env, user)
		}
	}
	return "", nil
}
