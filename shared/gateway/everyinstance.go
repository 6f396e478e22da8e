package gateway

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/microservice-patterns/lab/shared/balance"
)

// everyInstance sends a request to each of a scaled-out service's n
// instances in turn, each pinned to its own (balance.To), through the
// service's transport: for an operator's setting that every instance must
// take, such as its faults. The answer is that of the first instance that
// took it. The first instance that answers anything else (the setting is
// refused: a value out of range, no fault injection) answers for them all,
// and the request goes no further, so that a refused setting changes
// nothing. When some instances took it and others could not be reached, or
// answered otherwise, the error is a *partialError. Once begun, the round
// goes on when the client gives up (each call is bounded by the transport's
// wait for an answer), so that no instance is left behind the others.
type everyInstance struct {
	next    http.RoundTripper
	service string
	n       int
}

// partialError says that only some instances took a setting.
type partialError struct {
	service string
	set, of int
}

func (e *partialError) Error() string {
	return fmt.Sprintf("%s: set on %d of %d instances", e.service, e.set, e.of)
}

func (t everyInstance) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		// The gateway's limits have read the body whole already.
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	var answer *http.Response
	var lastErr error
	set := 0
	ctx := context.WithoutCancel(r.Context())
	for i := range t.n {
		out := r.Clone(balance.To(ctx, i))
		if body != nil {
			out.Body = io.NopCloser(bytes.NewReader(body))
		}
		resp, err := t.next.RoundTrip(out)
		switch {
		case err != nil:
			lastErr = err
		case resp.StatusCode/100 != 2 && set == 0 && answer == nil:
			return resp, nil // refused: it says why, for every instance
		case resp.StatusCode/100 != 2:
			drain(resp)
			lastErr = fmt.Errorf("instance %d answered %s", i+1, resp.Status)
		case answer == nil:
			answer, set = resp, 1
		default:
			drain(resp)
			set++
		}
	}
	switch {
	case set == t.n:
		return answer, nil
	case set == 0:
		return nil, lastErr
	}
	drain(answer)
	return nil, &partialError{service: t.service, set: set, of: t.n}
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}
