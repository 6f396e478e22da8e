package httpx_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// A handler's own timeouts are its server's; a zero keeps the lab's.
func TestNewServer_timeouts(t *testing.T) {
	h := http.NotFoundHandler()
	for _, tc := range []struct {
		name        string
		h           http.Handler
		read, write time.Duration
	}{
		{"the lab's", h, httpx.ReadTimeout, httpx.WriteTimeout},
		{"the handler's", httpx.WithTimeouts(h, time.Second, 2*time.Second), time.Second, 2 * time.Second},
		{"a zero keeps the lab's", httpx.WithTimeouts(h, 0, 3*time.Second), httpx.ReadTimeout, 3 * time.Second},
	} {
		srv := httpx.NewServer(tc.h)
		if srv.ReadTimeout != tc.read || srv.WriteTimeout != tc.write {
			t.Errorf("%s: read %s, write %s; want %s, %s", tc.name, srv.ReadTimeout, srv.WriteTimeout, tc.read, tc.write)
		}
		if srv.ReadHeaderTimeout != httpx.ReadHeaderTimeout || srv.MaxHeaderBytes != httpx.ServerMaxHeaderBytes {
			t.Errorf("%s: the other limits are not the lab's", tc.name)
		}
	}
}

// A new request id is a random UUID of version 4 that the engine accepts
// from a caller, and no two are alike.
func TestNewRequestID(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		id := httpx.NewRequestID()
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 || u.String() != id {
			t.Fatalf("%q is not a version 4 UUID (%v)", id, err)
		}
		if !httpx.ValidRequestID(id) {
			t.Fatalf("the engine would refuse %q", id)
		}
		if seen[id] {
			t.Fatalf("%q came twice", id)
		}
		seen[id] = true
	}
}
