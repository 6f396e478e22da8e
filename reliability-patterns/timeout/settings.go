package timeout

import (
	"fmt"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
)

// settings configure the deadlines.
type settings struct {
	Call    time.Duration // TIMEOUT_CALL: the deadline of one call to another service
	Request time.Duration // TIMEOUT_REQUEST: the budget of all the calls one incoming request makes
}

// loadSettings reads the timeout settings from env.
func loadSettings(env config.Getenv) (settings, error) {
	r := config.NewReader(env)
	s := settings{Call: r.Duration("TIMEOUT_CALL", 2*time.Second), Request: r.Duration("TIMEOUT_REQUEST", 4*time.Second)}
	if s.Call <= 0 {
		r.Fail("TIMEOUT_CALL", fmt.Errorf("want a duration above 0, got %s", s.Call))
	}
	if s.Request <= 0 {
		r.Fail("TIMEOUT_REQUEST", fmt.Errorf("want a duration above 0, got %s", s.Request))
	}
	return s, r.Err()
}
