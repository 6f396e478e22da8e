package domain

import (
	"time"

	"github.com/google/uuid"
)

// NewID returns a new random UUID string.
func NewID() string { return uuid.NewString() }

// ValidID reports whether s is a UUID in its canonical textual form.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// CheckID returns a CodeInvalid error naming field when id is not a UUID.
func CheckID(field, id string) error {
	if !ValidID(id) {
		return Invalid(FieldError{Field: field, Message: "must be a UUID"})
	}
	return nil
}

// Now returns the current time in UTC, truncated to microseconds so that it
// survives a round trip through every supported database unchanged.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Currency is the one ISO 4217 currency the lab uses.
const Currency = "EUR"
