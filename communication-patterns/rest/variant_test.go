package main

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/acceptance"
)

// TestVariant runs the acceptance suite against the variant started in this
// process, on loopback ports, with fresh SQLite databases.
func TestVariant(t *testing.T) {
	acceptance.RunInProcess(t, variant, acceptance.Options{})
}
