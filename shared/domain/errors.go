// Package domain holds the entities of the ordering case, their state machines,
// their validation and the error codes every layer speaks. It does no I/O.
package domain

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error so that every edge (HTTP, messaging) can map it in one place.
type Code string

// The error codes of the lab. Unavailable and Timeout are transient: repeating
// the same request later may succeed, so retries know what is safe to repeat.
const (
	CodeInvalid     Code = "invalid"
	CodeNotFound    Code = "not_found"
	CodeConflict    Code = "conflict"
	CodeUnavailable Code = "unavailable"
	CodeTimeout     Code = "timeout"
	CodeBadGateway  Code = "bad_gateway"
	CodeInternal    Code = "internal"
	// The codes of the security and rate-limiting variants.
	CodeUnauthorized    Code = "unauthorized"
	CodeForbidden       Code = "forbidden"
	CodeTooManyRequests Code = "too_many_requests"
)

// FieldError names one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a domain error: a code, a message meant for a client, and optional field errors.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	Err     error
	// RetryAfter, when set, tells a client how long to wait before trying again
	// (a circuit breaker's remaining open time); the HTTP edge sends it as Retry-After.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a CodeInvalid error that lists the invalid fields.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: CodeInvalid, Message: "the request has invalid fields", Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, or CodeInternal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the client-facing message of err's *Error, or a generic one.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// RetryAfterOf returns the RetryAfter of the first *Error in err's chain that sets one, or 0.
func RetryAfterOf(err error) time.Duration {
	for ; err != nil; err = errors.Unwrap(err) {
		if e, ok := err.(*Error); ok && e.RetryAfter > 0 {
			return e.RetryAfter
		}
	}
	return 0
}

// IsTransient reports whether repeating the failed operation may succeed.
func IsTransient(err error) bool {
	switch ErrorCode(err) {
	case CodeUnavailable, CodeTimeout, CodeBadGateway:
		return true
	}
	return false
}

// validator collects field errors.
type validator []FieldError

func (v *validator) check(ok bool, field, message string) {
	if !ok {
		*v = append(*v, FieldError{Field: field, Message: message})
	}
}

func (v validator) err() error {
	if len(v) == 0 {
		return nil
	}
	return Invalid(v...)
}
