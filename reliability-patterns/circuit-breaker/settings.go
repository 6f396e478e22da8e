package circuitbreaker

import (
	"fmt"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
)

// settings configure the breakers.
type settings struct {
	Failures uint32        // BREAKER_FAILURES: consecutive failures that open a breaker
	Cooldown time.Duration // BREAKER_COOLDOWN: how long an open breaker fails fast before it lets a trial call through
	Trials   uint32        // BREAKER_TRIALS: calls let through when half-open; that many successes close it
}

// loadSettings reads the breakers' settings from env.
func loadSettings(env config.Getenv) (settings, error) {
	r := config.NewReader(env)
	s := settings{
		Failures: uint32(r.Positive("BREAKER_FAILURES", 5)),
		Cooldown: r.Duration("BREAKER_COOLDOWN", 5*time.Second),
		Trials:   uint32(r.Positive("BREAKER_TRIALS", 1)),
	}
	if s.Cooldown <= 0 {
		r.Fail("BREAKER_COOLDOWN", fmt.Errorf("want a duration above 0, got %s", s.Cooldown))
	}
	return s, r.Err()
}
