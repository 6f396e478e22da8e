// Package faults injects faults into a service on demand, for the reliability
// demos: added latency, a share of requests that fail with a chosen status, or a
// service that is down (it drops every connection, or never answers).
//
// Every service of every variant has it, switched off: <SVC>_FAULTS at start, or
// PUT /admin/faults at run time (the gateway's /api/lab/faults/{service}), turns
// it on. It never touches /healthz, /readyz or /admin/, so a faulty service stays
// observable and its faults can always be switched off again.
package faults

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// How a service that is down behaves (Settings.Down).
const (
	Up     = ""       // it is not down
	Refuse = "refuse" // it closes every connection without an answer
	Hang   = "hang"   // it never answers, until the client gives up or the faults change
)

// MaxLatencyMs bounds the latency and the jitter that can be injected (one minute).
const MaxLatencyMs = 60_000

// Settings are the faults in force. The zero value injects nothing.
type Settings struct {
	ErrorRate       float64 `json:"errorRate"`       // share of requests that fail, 0..1
	ErrorStatus     int     `json:"errorStatus"`     // status of an injected failure; 0 means 503
	LatencyMs       int     `json:"latencyMs"`       // delay added to every request
	LatencyJitterMs int     `json:"latencyJitterMs"` // random extra delay, up to this
	Down            string  `json:"down"`            // Up, Refuse or Hang
}

// Status is what GET /admin/faults answers: the settings and what they did.
type Status struct {
	Settings
	Requests uint64 `json:"requests"` // requests the faults applied to: every one that reached the service
	Injected uint64 `json:"injected"` // of those, how many failed by a fault (an error, a refusal, a hang)
	Delayed  uint64 `json:"delayed"`  // of those, how many were delayed
}

// Validate reports every setting out of range as a CodeInvalid error.
func (s Settings) Validate() error {
	var errs []domain.FieldError
	check := func(ok bool, field, message string) {
		if !ok {
			errs = append(errs, domain.FieldError{Field: field, Message: message})
		}
	}
	check(s.ErrorRate >= 0 && s.ErrorRate <= 1, "errorRate", "must be between 0 and 1")
	check(s.ErrorStatus == 0 || (s.ErrorStatus >= 400 && s.ErrorStatus <= 599), "errorStatus", "must be 0 (503) or a status from 400 to 599")
	check(s.LatencyMs >= 0 && s.LatencyMs <= MaxLatencyMs, "latencyMs", fmt.Sprintf("must be between 0 and %d", MaxLatencyMs))
	check(s.LatencyJitterMs >= 0 && s.LatencyJitterMs <= MaxLatencyMs, "latencyJitterMs", fmt.Sprintf("must be between 0 and %d", MaxLatencyMs))
	check(s.Down == Up || s.Down == Refuse || s.Down == Hang, "down", `must be "", "refuse" or "hang"`)
	if len(errs) > 0 {
		return domain.Invalid(errs...)
	}
	return nil
}

// Parse reads settings from JSON, as <SVC>_FAULTS holds them; "" is no faults.
func Parse(spec string) (Settings, error) {
	var s Settings
	if strings.TrimSpace(spec) == "" {
		return s, nil
	}
	if err := httpx.DecodeJSON(bytes.NewReader([]byte(spec)), &s); err != nil {
		return s, errors.New(explain(err))
	}
	if err := s.Validate(); err != nil {
		return s, errors.New(explain(err))
	}
	return s, nil
}

// explain spells out the field errors of a domain error, for a message without a problem document.
func explain(err error) string {
	var de *domain.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return err.Error()
	}
	var parts []string
	for _, f := range de.Fields {
		parts = append(parts, f.Field+" "+f.Message)
	}
	return strings.Join(parts, "; ")
}

// status is the status of an injected failure.
func (s Settings) status() int {
	if s.ErrorStatus == 0 {
		return http.StatusServiceUnavailable
	}
	return s.ErrorStatus
}

// String describes the settings in a few words, for logs and problem details.
func (s Settings) String() string {
	var parts []string
	if s.Down != Up {
		parts = append(parts, "down ("+s.Down+")")
	}
	switch {
	case s.LatencyJitterMs > 0:
		parts = append(parts, fmt.Sprintf("latency %d to %d ms", s.LatencyMs, s.LatencyMs+s.LatencyJitterMs))
	case s.LatencyMs > 0:
		parts = append(parts, fmt.Sprintf("latency %d ms", s.LatencyMs))
	}
	if s.ErrorRate > 0 {
		parts = append(parts, fmt.Sprintf("%d to %g%% of requests", s.status(), s.ErrorRate*100))
	}
	if len(parts) == 0 {
		return "no faults"
	}
	return strings.Join(parts, ", ")
}

// input is the body of PUT /admin/faults: the settings, and the counters of a
// Status, which are accepted (a client may send back what it read) and ignored.
type input struct {
	Settings
	Requests *uint64 `json:"requests,omitempty"`
	Injected *uint64 `json:"injected,omitempty"`
	Delayed  *uint64 `json:"delayed,omitempty"`
}
