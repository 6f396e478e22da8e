package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"google.golang.org/grpc/stats"

	"github.com/microservice-patterns/lab/shared/balance"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/gateway"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/store"
)

// extension is one pattern's extension of one service.
type extension struct {
	pattern *Pattern
	*Extension
}

// extensions are the patterns' extensions of one service, in the variant's order.
type extensions []extension

// extend builds every pattern's extension of the named service.
func extend(v Variant, service string, env config.Getenv, log *slog.Logger) (extensions, error) {
	var out extensions
	for _, p := range v.Patterns {
		if p.Extend == nil {
			continue
		}
		x, err := p.Extend(Scope{Service: service, Variant: v.Name, Base: v.base(), Env: env, Log: log})
		if err != nil {
			out.close()
			return nil, fmt.Errorf("%s: %s: %w", service, p.Name, err)
		}
		if x != nil {
			out = append(out, extension{pattern: p, Extension: x})
		}
	}
	return out, nil
}

// clients returns the function that makes the client of each callee: one
// transport per callee, wrapped by each pattern in turn, the first pattern
// named outermost. Under the wrappers, a callee with several instances
// (instances, from its <SERVICE>_URL) gets a balancing transport
// (shared/balance), so that a retry or a breaker sees one callee whichever
// instance answers. Each callee's client is made once and kept.
func (xs extensions) clients(timeout time.Duration, instances map[string][]string) func(callee string) *http.Client {
	made := map[string]*http.Client{}
	var mu sync.Mutex
	return func(callee string) *http.Client {
		mu.Lock()
		defer mu.Unlock()
		if c := made[callee]; c != nil {
			return c
		}
		c := &http.Client{Transport: xs.wrap(callee, balanced(callee, instances[callee], baseTransport())), Timeout: timeout}
		made[callee] = c
		return c
	}
}

// statements is every pattern's observer of the store's statements in one,
// the first pattern named outermost; nil when none observes them.
func (xs extensions) statements() store.Observer {
	var obs []store.Observer
	for _, x := range xs {
		if x.Statements != nil {
			obs = append(obs, x.Statements)
		}
	}
	if len(obs) <= 1 {
		if len(obs) == 1 {
			return obs[0]
		}
		return nil
	}
	return func(ctx context.Context, system, statement string) (context.Context, func(error)) {
		ends := make([]func(error), len(obs))
		for i, o := range obs {
			ctx, ends[i] = o(ctx, system, statement)
		}
		return ctx, func(err error) {
			for i := len(ends) - 1; i >= 0; i-- {
				ends[i](err)
			}
		}
	}
}

// wrap puts every pattern's wrapper for callee around next.
func (xs extensions) wrap(callee string, next http.RoundTripper) http.RoundTripper {
	for i := len(xs) - 1; i >= 0; i-- {
		if xs[i].Call != nil {
			next = xs[i].Call(callee, next)
		}
	}
	return next
}

// wrapRPC is wrap for the calls of a base that talks gRPC: a pattern that
// observes them itself (RPC) does not wrap them as well.
func (xs extensions) wrapRPC(callee string, next http.RoundTripper) http.RoundTripper {
	for i := len(xs) - 1; i >= 0; i-- {
		if xs[i].Call != nil && xs[i].RPC == nil {
			next = xs[i].Call(callee, next)
		}
	}
	return next
}

// rpcStats returns the patterns' stats handlers of the gRPC calls a service
// makes and of those it serves, in the variant's order.
func (xs extensions) rpcStats() (client, server []stats.Handler) {
	for _, x := range xs {
		if x.RPC != nil {
			c, s := x.RPC()
			if c != nil {
				client = append(client, c)
			}
			if s != nil {
				server = append(server, s)
			}
		}
	}
	return client, server
}

// baseTransport is the transport every service-to-service call starts from.
func baseTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // the services are reached directly, never through a proxy named by the environment
	t.MaxIdleConnsPerHost = 64
	return t
}

// balanced returns next, or a transport that spreads the calls over the
// callee's instances when it has more than one.
func balanced(callee string, urls []string, next http.RoundTripper) http.RoundTripper {
	if len(urls) < 2 {
		return next
	}
	p, err := balance.NewPool(callee, urls, next)
	if err != nil { // config checked the URLs; a malformed one calls the first instance only
		return next
	}
	return p.Transport(next)
}

// stages returns the engine options that put the patterns' middleware in their slots.
func (xs extensions) stages() []httpx.Option {
	var opts []httpx.Option
	for _, x := range xs {
		opts = append(opts, httpx.WithStage(httpx.StageTracing, x.Tracing...),
			httpx.WithStage(httpx.StageMetrics, x.Metrics...), httpx.WithStage(httpx.StageAuth, x.Auth...))
	}
	return opts
}

// inbound is the patterns' own middleware, in the variant's order.
func (xs extensions) inbound() []gin.HandlerFunc {
	var out []gin.HandlerFunc
	for _, x := range xs {
		out = append(out, x.Inbound...)
	}
	return out
}

// admin mounts the patterns' operator routes under /admin/ and serves their
// state at GET /admin/patterns, which the gateway gathers for /api/lab/patterns;
// base, when set, adds the state the base keeps at the service (a read model's).
func (xs extensions) admin(e *gin.Engine, v Variant, base func() []gateway.NamedTable) {
	group := e.Group("/admin")
	for _, x := range xs {
		if x.Admin != nil {
			x.Admin(group)
		}
	}
	group.GET("/patterns", func(c *gin.Context) {
		out := xs.states()
		if base != nil {
			out.Patterns = append(out.Patterns, base()...)
		}
		c.JSON(http.StatusOK, out)
	})
}

// states reports the state of every pattern that keeps one at this service.
func (xs extensions) states() gateway.ServiceStates {
	out := gateway.ServiceStates{Patterns: []gateway.NamedTable{}}
	for _, x := range xs {
		if x.State != nil {
			out.Patterns = append(out.Patterns, gateway.NamedTable{Pattern: x.pattern.Name, Table: x.State()})
		}
	}
	return out
}

// handle wraps an event handler with every pattern's Handle, the first named outermost.
func (xs extensions) handle(eventType string, h messaging.Handler) messaging.Handler {
	for i := len(xs) - 1; i >= 0; i-- {
		if xs[i].Handle != nil {
			h = xs[i].Handle(eventType, h)
		}
	}
	return h
}

// close closes every extension, the last built first.
func (xs extensions) close() error {
	var errs []error
	for i := len(xs) - 1; i >= 0; i-- {
		if xs[i].Close != nil {
			errs = append(errs, xs[i].Close())
		}
	}
	return errors.Join(errs...)
}

// observer combines the patterns' messaging observers of the service, or nil.
func (xs extensions) observer(outbox *messaging.Outbox) *messaging.Observer {
	var all []*messaging.Observer
	for _, x := range xs {
		if x.Messaging != nil {
			if o := x.Messaging(outbox); o != nil {
				all = append(all, o)
			}
		}
	}
	if len(all) == 0 {
		return nil
	}
	out := &messaging.Observer{}
	for _, o := range all {
		if out.Tracer == nil {
			out.Tracer = o.Tracer
		}
	}
	out.SpanAttributes = func(ev messaging.Event) []attribute.KeyValue {
		var attrs []attribute.KeyValue
		for _, o := range all {
			if o.SpanAttributes != nil {
				attrs = append(attrs, o.SpanAttributes(ev)...)
			}
		}
		return attrs
	}
	out.Published = func(ctx context.Context, ev messaging.Event) {
		for _, o := range all {
			if o.Published != nil {
				o.Published(ctx, ev)
			}
		}
	}
	out.Consumed = func(ctx context.Context, typ, outcome string) {
		for _, o := range all {
			if o.Consumed != nil {
				o.Consumed(ctx, typ, outcome)
			}
		}
	}
	return out
}

// logger derives the service's logger through every pattern's Logger, in the variant's order.
func (xs extensions) logger(log *slog.Logger) *slog.Logger {
	for _, x := range xs {
		if x.Logger != nil {
			log = x.Logger(log)
		}
	}
	return log
}
