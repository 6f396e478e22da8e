package grpc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	grpclib "google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// A call is one gRPC call on its way through the patterns' wrappers, which
// see it as an HTTP request (a pattern knows only http.RoundTripper): POST
// /internal/<full method> to the callee, every call between the services
// being an /internal/ operation, idempotent by contract, as rest's are. The
// request carries the call in its context; the innermost transport (invoke)
// makes it and answers a response whose status is the call's outcome
// (httpStatus). A retry makes it again, a breaker counts its 5xx, a timeout
// shortens the request's context, tracing adds its headers, which go out
// as the call's metadata.
type call struct {
	method     string
	req, reply any
	cc         *grpclib.ClientConn
	invoker    grpclib.UnaryInvoker
	opts       []grpclib.CallOption
	mu         sync.Mutex
	err        error // the outcome of the last try
}

type callKey struct{}

func (c *call) set(err error) {
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
}

func (c *call) last() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// throughPatterns is the client interceptor that sends each call through rt,
// the patterns' wrappers around invoke, under the per-call deadline.
func throughPatterns(callee string, rt http.RoundTripper, timeout time.Duration) grpclib.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpclib.ClientConn, invoker grpclib.UnaryInvoker, opts ...grpclib.CallOption) error {
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		c := &call{method: method, req: req, reply: reply, cc: cc, invoker: invoker, opts: opts}
		r, err := http.NewRequestWithContext(context.WithValue(ctx, callKey{}, c), http.MethodPost,
			"http://"+callee+"/internal"+method, http.NoBody)
		if err != nil {
			return err
		}
		r.Header.Set("Content-Type", "application/grpc")
		if id := httpx.RequestID(ctx); id != "" {
			r.Header.Set(httpx.RequestIDHeader, id)
		}
		resp, err := rt.RoundTrip(r)
		if err != nil {
			return err // a pattern's refusal (an open breaker), or the end of the call's context
		}
		resp.Body.Close()
		return c.last()
	}
}

// invoke is the innermost transport: it makes the call of the request's
// context with the request's headers as metadata, under the request's
// context, and answers its outcome as a response.
type invoke struct{}

func (invoke) RoundTrip(r *http.Request) (*http.Response, error) {
	c, _ := r.Context().Value(callKey{}).(*call)
	if c == nil {
		return nil, errors.New("grpc: a request that carries no call reached the gRPC transport")
	}
	ctx := metadata.NewOutgoingContext(r.Context(), outgoing(r.Context(), r.Header))
	err := c.invoker(ctx, c.method, c.req, c.reply, c.cc, c.opts...)
	c.set(err)
	if err != nil && r.Context().Err() != nil {
		return nil, err // the call's context ended: as an HTTP transport, fail with no answer
	}
	code := http.StatusOK
	if err != nil {
		code = httpStatus(err)
	}
	return &http.Response{StatusCode: code, Status: fmt.Sprintf("%d %s", code, http.StatusText(code)),
		Proto: "HTTP/2.0", ProtoMajor: 2, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
}

// httpStatus is the status a pattern sees for a failed call: the problem
// status its code maps to (statusOf then httpx.StatusOf), 502 for a code no
// callee answers on purpose.
func httpStatus(err error) int {
	code, ok := domainCodes[status.Code(err)]
	if !ok {
		return http.StatusBadGateway
	}
	return httpx.StatusOf(code)
}

// outgoing is the metadata of a call: the caller's, plus the request's
// headers that a pattern set (traceparent, baggage, authorization …), in
// lower case; those of HTTP itself stay behind.
func outgoing(ctx context.Context, h http.Header) metadata.MD {
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	for k, vs := range h {
		switch k = strings.ToLower(k); k {
		case "content-type", "content-length", "user-agent", "accept", "accept-encoding", "connection", "te", "host":
			continue
		}
		if strings.HasPrefix(k, "grpc-") {
			continue
		}
		md[k] = append([]string(nil), vs...)
	}
	return md
}
