package messaging

import (
	"fmt"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
)

// settings configure the saga and the billing's limit.
type settings struct {
	Timeout  time.Duration // MESSAGING_STEP_TIMEOUT: how long a step waits for its reply
	Attempts int           // MESSAGING_STEP_ATTEMPTS: sends of a step before the saga compensates
	// RefuseAbove is BILLING_REFUSE_ABOVE: billing refuses an order whose total,
	// in cents, is above it (a credit limit; 0 refuses none).
	RefuseAbove int64
	Recheck     time.Duration // how long a shipment waiting for its delay waits before it is asked again
}

// defaultRefuseAbove is billing's limit unless BILLING_REFUSE_ABOVE says
// otherwise: 10 000 EUR, far above any order of the acceptance suite but one.
const defaultRefuseAbove = 1_000_000

// loadSettings reads the settings from env; shipDelay is the shipping's delay.
func loadSettings(env config.Getenv, shipDelay time.Duration) (settings, error) {
	r := config.NewReader(env)
	s := settings{
		Timeout:     r.Duration("MESSAGING_STEP_TIMEOUT", 10*time.Second),
		Attempts:    r.Positive("MESSAGING_STEP_ATTEMPTS", 3),
		RefuseAbove: int64(r.Number("BILLING_REFUSE_ABOVE", defaultRefuseAbove)),
		Recheck:     max(shipDelay/2, 50*time.Millisecond),
	}
	if s.Timeout < 100*time.Millisecond {
		r.Fail("MESSAGING_STEP_TIMEOUT", fmt.Errorf("want at least 100ms, got %s", s.Timeout))
	}
	if s.RefuseAbove < 0 {
		r.Fail("BILLING_REFUSE_ABOVE", fmt.Errorf("want 0 (refuse none) or an amount in cents, got %d", s.RefuseAbove))
	}
	return s, r.Err()
}

// policy is the saga's policy under the settings.
func (s settings) policy() Policy {
	return Policy{Timeout: s.Timeout, Attempts: s.Attempts, Recheck: s.Recheck, Grace: s.Timeout / 5}
}

// refuseAbove is Base.RefuseAbove: billing's limit, for the gateway to announce.
func refuseAbove(env config.Getenv) (int64, error) {
	s, err := loadSettings(env, 0)
	return s.RefuseAbove, err
}
