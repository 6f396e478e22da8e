package httpx

import (
	"context"
	"io"
	"net/http"
	"time"
)

// The helpers below serve the decorators of outbound calls (http.RoundTripper)
// that the patterns put around a service's calls to another.

// CloseRequestBody closes r's body, as an http.RoundTripper must do even when
// it sends nothing (a call a breaker or a bulkhead refuses).
func CloseRequestBody(r *http.Request) {
	if r.Body != nil {
		_ = r.Body.Close()
	}
}

// CancelOnClose returns body, which ends the call's context once it is
// closed: a call's deadline must cover the reading of its answer, and no more.
func CancelOnClose(body io.ReadCloser, cancel context.CancelFunc) io.ReadCloser {
	return &cancelOnClose{ReadCloser: body, cancel: cancel}
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// Sleep waits for d, or until ctx is done, and then answers ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RoundTripperFunc is an http.RoundTripper made of a function.
type RoundTripperFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f.
func (f RoundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
