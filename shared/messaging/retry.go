package messaging

import (
	"errors"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
)

// RetryPolicy bounds how often a consumer runs a handler that fails transiently.
type RetryPolicy struct {
	// Attempts is how many times the handler runs at most. Default 5.
	Attempts int
	// Backoff is the wait between two attempts. Default 100ms doubling to 2s.
	Backoff Backoff
}

func (p RetryPolicy) orDefault() RetryPolicy {
	if p.Attempts <= 0 {
		p.Attempts = 5
	}
	p.Backoff = p.Backoff.orDefault(Backoff{Min: 100 * time.Millisecond, Max: 2 * time.Second})
	return p
}

// retryableError marks an error as transient.
type retryableError struct{ err error }

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// Retryable marks err as transient: a handler that returns it is run again, up
// to the consumer's RetryPolicy. Errors whose domain code is transient
// (domain.IsTransient) are retried without it. Retryable(nil) is nil.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return &retryableError{err: err}
}

// IsRetryable reports whether err is worth retrying: marked by Retryable, or
// transient by its domain code.
func IsRetryable(err error) bool {
	var r *retryableError
	return errors.As(err, &r) || domain.IsTransient(err)
}
