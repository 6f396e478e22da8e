package domain

import (
	"time"

	"github.com/google/uuid"
)

// NewID returns a new random UUID string.
func NewID() string { return uuid.NewString() }

// IDMessage is what a field error says about an id that ValidID refuses.
const IDMessage = "must be a lowercase UUID"

// ValidID reports whether s is a UUID in the one textual form the lab stores
// and answers: 36 characters, lowercase hexadecimal digits in groups of
// 8-4-4-4-12. Uppercase digits, braces and a "urn:uuid:" prefix are refused
// rather than rewritten, so that an id is found exactly as it was given.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}

// CheckID returns a CodeInvalid error naming field when id is not a lowercase UUID.
func CheckID(field, id string) error {
	if !ValidID(id) {
		return Invalid(FieldError{Field: field, Message: IDMessage})
	}
	return nil
}

// Now returns the current time in UTC, truncated to microseconds so that it
// survives a round trip through every supported database unchanged.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Currency is the one ISO 4217 currency the lab uses.
const Currency = "EUR"
