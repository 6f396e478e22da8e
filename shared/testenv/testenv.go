// Package testenv lets tests find the servers they need: a test whose server is
// absent skips with a message on a laptop and fails under CI=true, so CI never
// passes by skipping.
package testenv

import (
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
