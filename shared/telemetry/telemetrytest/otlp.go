package telemetrytest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Receiver is an OTLP/HTTP endpoint for a test: it keeps the bodies posted
// to each signal's path (/v1/traces, /v1/logs, /v1/metrics), protobuf in
// which strings stay readable.
type Receiver struct {
	URL    string // the endpoint: OTEL_EXPORTER_OTLP_ENDPOINT
	mu     sync.Mutex
	bodies map[string][]string // by path
}

// NewReceiver starts a receiver that stops when the test ends.
func NewReceiver(t *testing.T) *Receiver {
	r := &Receiver{bodies: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost {
			b, _ := io.ReadAll(req.Body)
			r.mu.Lock()
			r.bodies[req.URL.Path] = append(r.bodies[req.URL.Path], string(b))
			r.mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// Has reports whether a body posted to path holds every one of the strings.
func (r *Receiver) Has(path string, all ...string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.bodies[path] {
		ok := true
		for _, x := range all {
			ok = ok && strings.Contains(b, x)
		}
		if ok {
			return true
		}
	}
	return false
}

// Posts is how many bodies were posted to path.
func (r *Receiver) Posts(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies[path])
}
