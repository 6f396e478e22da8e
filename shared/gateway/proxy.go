package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// routeTable maps each public API prefix to the service that owns it (CONTRACT.md).
// The upstream path is the inbound path: the services serve /api/… themselves.
var routeTable = map[string]string{
	"/api/customers":    "customers",
	"/api/products":     "warehouse",
	"/api/reservations": "warehouse",
	"/api/orders":       "ordering",
	"/api/shipments":    "shipping",
	"/api/invoices":     "billing",
}

// hop is one proxied request: where it goes, and what went wrong when no answer came back.
type hop struct {
	service string
	target  *url.URL
	path    string // the upstream path; "" keeps the inbound one
	missing string // turns an upstream 404 into a problem with this detail; "" passes 404s through
	err     error  // set by the proxy when it has written nothing
}

type hopKey struct{}

func hopOf(ctx context.Context) *hop {
	h, _ := ctx.Value(hopKey{}).(*hop)
	return h
}

// errMissing says that the upstream answered 404 where the gateway expected a feature.
var errMissing = errors.New("the upstream answered 404")

func upstreamTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // the services are reached directly, never through a proxy named by the environment
	t.MaxIdleConnsPerHost = 64
	return t
}

// newProxy returns the one reverse proxy of the gateway; each request carries its hop.
func newProxy(t http.RoundTripper, log *slog.Logger) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite:        rewrite,
		Transport:      t,
		BufferPool:     httpx.NewBufferPool(),
		ModifyResponse: modifyResponse,
		// The handler that called the proxy writes the problem, through httpx.
		ErrorHandler: func(_ http.ResponseWriter, r *http.Request, err error) { hopOf(r.Context()).err = err },
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func rewrite(pr *httputil.ProxyRequest) {
	h := hopOf(pr.In.Context())
	pr.SetURL(h.target)
	if h.path != "" {
		pr.Out.URL.Path = strings.TrimSuffix(h.target.Path, "/") + h.path
		pr.Out.URL.RawPath = ""
	}
	pr.SetXForwarded()
	pr.Out.Header.Set(httpx.RequestIDHeader, httpx.RequestID(pr.In.Context()))
}

func modifyResponse(resp *http.Response) error {
	// The gateway has set the request id on its own answer already; one copy is enough.
	resp.Header.Del(httpx.RequestIDHeader)
	if h := hopOf(resp.Request.Context()); h.missing != "" && resp.StatusCode == http.StatusNotFound {
		return errMissing
	}
	return nil
}

// forward returns the handler that proxies a public API path to service.
func (g *gateway) forward(service string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !public(c.Request.URL.Path) {
			notFound(c)
			return
		}
		g.pass(c, &hop{service: service, target: g.services[service]})
	}
}

// public reports whether a path may leave the gateway: the service-to-service
// (/internal/) and operator (/admin/) paths never do, nor paths that climb with "..".
func public(path string) bool {
	for seg := range strings.SplitSeq(path, "/") {
		if strings.EqualFold(seg, "internal") || strings.EqualFold(seg, "admin") || seg == ".." || seg == "." {
			return false
		}
	}
	return true
}

// pass proxies the request as h says and writes a problem when no answer came back.
func (g *gateway) pass(c *gin.Context, h *hop) {
	ctx := context.WithValue(c.Request.Context(), hopKey{}, h)
	if g.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.timeout)
		defer cancel()
	}
	g.proxy.ServeHTTP(c.Writer, c.Request.WithContext(ctx))
	if h.err == nil {
		return
	}
	switch {
	case errors.Is(h.err, errMissing):
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusNotFound, h.missing))
	case c.Request.Context().Err() != nil:
		// The client went away: nobody reads the answer. 499 is the customary log status.
		c.AbortWithStatus(499)
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(h.err):
		g.log.Warn("upstream timed out", "upstream", h.service, "error", h.err, "request_id", httpx.RequestID(ctx))
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusGatewayTimeout,
			fmt.Sprintf("%s did not answer within %s", h.service, g.timeout)))
	default:
		g.log.Warn("upstream unreachable", "upstream", h.service, "error", h.err, "request_id", httpx.RequestID(ctx))
		// The address and the error chain stay in the log: the client learns the service's name only.
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusBadGateway, h.service+" is unreachable"))
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// rootCause drops the transport's wrapping ("dial tcp …: connect: connection refused"
// reads better than the whole chain).
func rootCause(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op
	}
	return err
}

func notFound(c *gin.Context) {
	httpx.WriteProblem(c, httpx.NewProblem(http.StatusNotFound,
		fmt.Sprintf("no route for %s %s", c.Request.Method, c.Request.URL.Path)))
}
