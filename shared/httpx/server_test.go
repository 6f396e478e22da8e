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

// The marks compose, in either order, and the server serves the handler
// inside them.
func TestNewServer_marksCompose(t *testing.T) {
	h := &struct{ http.Handler }{http.NotFoundHandler()}
	for name, marked := range map[string]http.Handler{
		"timeouts outside": httpx.WithTimeouts(httpx.CleartextHTTP2(h), time.Second, 2*time.Second),
		"timeouts inside":  httpx.CleartextHTTP2(httpx.WithTimeouts(h, time.Second, 2*time.Second)),
	} {
		srv := httpx.NewServer(marked)
		if srv.ReadTimeout != time.Second || srv.WriteTimeout != 2*time.Second {
			t.Errorf("%s: read %s, write %s; want 1s, 2s", name, srv.ReadTimeout, srv.WriteTimeout)
		}
		if srv.Protocols == nil || !srv.Protocols.UnencryptedHTTP2() || !srv.Protocols.HTTP1() {
			t.Errorf("%s: protocols %v, want HTTP/1.1 and h2c", name, srv.Protocols)
		}
		if srv.Handler != http.Handler(h) {
			t.Errorf("%s: the server serves %T, want the handler inside the marks", name, srv.Handler)
		}
	}
	if srv := httpx.NewServer(h); srv.Protocols != nil || srv.Handler != http.Handler(h) {
		t.Errorf("an unmarked handler: protocols %v, handler %T", srv.Protocols, srv.Handler)
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
