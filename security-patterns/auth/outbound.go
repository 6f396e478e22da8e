package auth

import (
	"context"
	"net/http"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// Authorize returns a transport that sends each call with the token source
// gives for the call's context; a call without one (the lab's own probes
// and operator routes) goes as it came. The browser's cookies never leave
// the gateway.
func Authorize(next http.RoundTripper, source func(ctx context.Context) (string, error)) http.RoundTripper {
	return httpx.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		tok, err := source(r.Context())
		if err == errNoToken {
			return next.RoundTrip(r)
		}
		if err != nil {
			return nil, err
		}
		out := r.Clone(r.Context())
		out.Header.Del("Cookie")
		out.Header.Set("Authorization", "Bearer "+tok)
		return next.RoundTrip(out)
	})
}

// Relayed is the token source of the token relay: the token the request came with.
func Relayed(ctx context.Context) (string, error) {
	raw, _, ok := TokenFrom(ctx)
	if !ok {
		return "", errNoToken
	}
	return raw, nil
}

// Exchanged is the token source of the token exchange: the request's token
// exchanged for one addressed to callee.
func Exchanged(x *Exchanger, callee string) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		raw, _, ok := TokenFrom(ctx)
		if !ok {
			return "", errNoToken
		}
		return x.Exchange(ctx, raw, callee)
	}
}

// Own is the token source of client credentials: the service's own token for callee.
func Own(t *ServiceTokens, callee string) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) { return t.For(ctx, callee) }
}
