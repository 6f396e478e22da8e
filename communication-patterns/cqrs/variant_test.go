package cqrs

import (
	"testing"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/asynctest"
)

// TestVariant runs everything a base is held to (asynctest.Suite): the
// acceptance suite on SQLite and with every service on PostgreSQL and, over
// RabbitMQ, the broker's faults, the reads polling the read model until it
// shows each write (Base.EventualReads).
func TestVariant(t *testing.T) { asynctest.Suite(t, app.MustCompose(Base)) }
