package retry

import (
	"fmt"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
)

// settings configure the retries.
type settings struct {
	Attempts  int           // RETRY_ATTEMPTS: tries of one call in all, the first one included
	BaseDelay time.Duration // RETRY_BASE_DELAY: the backoff before the first retry; it doubles for each next one
	MaxDelay  time.Duration // RETRY_MAX_DELAY: the cap of one backoff
	Budget    time.Duration // RETRY_BUDGET: no retry starts, nor waits, past this time after the first try
}

// loadSettings reads the retry settings from env.
func loadSettings(env config.Getenv) (settings, error) {
	r := config.NewReader(env)
	s := settings{
		Attempts:  r.Positive("RETRY_ATTEMPTS", 3),
		BaseDelay: r.Duration("RETRY_BASE_DELAY", 50*time.Millisecond),
		MaxDelay:  r.Duration("RETRY_MAX_DELAY", time.Second),
		Budget:    r.Duration("RETRY_BUDGET", 3*time.Second),
	}
	if s.MaxDelay < s.BaseDelay {
		r.Fail("RETRY_MAX_DELAY", fmt.Errorf("want at least RETRY_BASE_DELAY (%s), got %s", s.BaseDelay, s.MaxDelay))
	}
	return s, r.Err()
}
