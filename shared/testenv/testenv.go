// Package testenv lets tests find the servers they need: a test whose server is
// absent skips with a message on a laptop and fails under CI=true, so CI never
// passes by skipping.
package testenv

import (
	"os/exec"
	"testing"

	"github.com/microservice-patterns/lab/shared/config"
)

// Config returns the test configuration from the environment.
func Config() config.Test { return config.LoadTest(config.Env) }

// Require skips or fails tb when err says that the named server cannot be reached.
func Require(tb testing.TB, server string, err error) {
	tb.Helper()
	if err == nil {
		return
	}
	if Config().CI {
		tb.Fatalf("%s is required under CI=true and is not reachable: %v", server, err)
	}
	tb.Skipf("skipping: %s is not reachable (%v); start it to run this test", server, err)
}

// Program returns the path of the program name; without it on PATH tb skips,
// or fails under CI=true. how says how to install it.
func Program(tb testing.TB, name, how string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	Require(tb, name+" ("+how+")", err)
	return path
}
