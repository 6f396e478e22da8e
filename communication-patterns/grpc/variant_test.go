package grpc

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/asynctest"
)

// TestVariant runs everything a base is held to (asynctest.Suite): the
// acceptance suite on SQLite and with every service on PostgreSQL.
func TestVariant(t *testing.T) { asynctest.Suite(t, app.MustCompose(Base)) }
