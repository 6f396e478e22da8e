package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

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

// errMissing says that the upstream answered 404 where the gateway expected a feature.
var errMissing = errors.New("the upstream answered 404")

// upstreamTransport is the one connection pool to the services. Its
// ResponseHeaderTimeout is the gateway's deadline for an answer (then 504):
// a timer of the transport's, rather than a context with a deadline for
// every proxied request.
func upstreamTransport(timeout time.Duration) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // the services are reached directly, never through a proxy named by the environment
	t.MaxIdleConnsPerHost = 64
	t.ResponseHeaderTimeout = timeout
	return t
}

// route is where a proxied request goes: a service, its base URL, and
// optionally a fixed upstream path and a feature that an upstream 404 means
// is missing.
type route struct {
	service string
	target  *url.URL
	path    string // the upstream path; "" keeps the inbound one
	missing string // turns an upstream 404 into a problem with this detail; "" passes 404s through
	// every sends the request to every instance of a scaled-out service
	// (everyInstance), not to one of them.
	every bool
	// inbound is the path the client asked for, of a route with a fixed
	// upstream path (pass): a problem the service answers names it as its
	// instance, not the service's own path.
	inbound string
}

// newProxy returns the reverse proxy of one route: it knows its service, so
// a request carries nothing of the gateway's in its context, and the
// service's transport (the patterns' wrappers, the balancer) is picked once,
// here.
func (g *gateway) newProxy(rt route) *httputil.ReverseProxy {
	transport := g.transports[rt.service]
	if n := len(g.instances[rt.service]); rt.every && n > 1 {
		transport = everyInstance{next: transport, service: rt.service, n: n}
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(rt.target)
			if rt.path != "" {
				pr.Out.URL.Path = strings.TrimSuffix(rt.target.Path, "/") + rt.path
				pr.Out.URL.RawPath = ""
			}
			pr.SetXForwarded()
			pr.Out.Header.Set(httpx.RequestIDHeader, httpx.RequestID(pr.In.Context()))
		},
		Transport:  transport,
		BufferPool: g.buffers,
		ModifyResponse: func(resp *http.Response) error {
			// The gateway has set the request id on its own answer already; one copy is enough.
			resp.Header.Del(httpx.RequestIDHeader)
			if rt.missing != "" && resp.StatusCode == http.StatusNotFound {
				return errMissing
			}
			if rt.path != "" {
				return publicInstance(resp, rt.inbound)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { g.proxyError(w, r, rt, err) },
		ErrorLog:     g.errorLog,
	}
}

// forward returns the handler that proxies a public API path to service.
func (g *gateway) forward(service string) gin.HandlerFunc {
	proxy := g.newProxy(route{service: service, target: g.services[service]})
	return func(c *gin.Context) {
		if !public(c.Request.URL.Path) {
			notFound(c)
			return
		}
		proxy.ServeHTTP(c.Writer, c.Request)
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

// pass proxies one request as rt says (the lab's own routes to a service's
// admin paths, seldom called: the proxy is made for the call).
func (g *gateway) pass(c *gin.Context, rt route) {
	rt.inbound = c.Request.URL.Path
	g.newProxy(rt).ServeHTTP(c.Writer, c.Request)
}

// maxProblemBytes bounds the problem document publicInstance rewrites; a
// larger answer passes as it is.
const maxProblemBytes = 64 << 10

// publicInstance makes the instance of a problem document in resp the
// client's path: a service names its own path there (/admin/faults), which
// is not one the client can call. Every other member is kept as it is.
func publicInstance(resp *http.Response, path string) error {
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != httpx.ProblemContentType || resp.Body == nil {
		return nil
	}
	held, err := io.ReadAll(io.LimitReader(resp.Body, maxProblemBytes+1))
	if err != nil {
		return err // the answer broke off: the proxy's error handler answers 502
	}
	var doc map[string]json.RawMessage
	if len(held) > maxProblemBytes || json.Unmarshal(held, &doc) != nil || doc["instance"] == nil {
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(held), resp.Body), resp.Body}
		return nil
	}
	resp.Body.Close()
	// A problem of the lab's own shape keeps its members' order (httpx.Problem);
	// any other keeps every member, in the encoder's order.
	var body []byte
	var p httpx.Problem
	dec := json.NewDecoder(bytes.NewReader(held))
	dec.DisallowUnknownFields()
	if dec.Decode(&p) == nil && p.Type != "" && p.Title != "" {
		p.Instance = path
		body, err = json.Marshal(p)
	} else {
		doc["instance"], _ = json.Marshal(path)
		body, err = json.Marshal(doc)
	}
	if err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	resp.Header.Del("Transfer-Encoding")
	return nil
}

// readCloser reads from one reader and closes another.
type readCloser struct {
	io.Reader
	io.Closer
}

// proxyError writes the problem of a proxied request that got no answer.
func (g *gateway) proxyError(w http.ResponseWriter, r *http.Request, rt route, err error) {
	var partial *partialError
	switch {
	case errors.Is(err, errMissing):
		httpx.WriteProblemTo(w, r, httpx.NewProblem(http.StatusNotFound, rt.missing))
	case errors.As(err, &partial):
		g.log.Warn("a setting reached some instances only", "upstream", rt.service, "error", err, "request_id", httpx.RequestID(r.Context()))
		httpx.WriteProblemTo(w, r, httpx.NewProblem(http.StatusBadGateway,
			fmt.Sprintf("%d of the %d instances of %s took it, the others did not: send it again", partial.set, partial.of, rt.service)))
	case r.Context().Err() != nil:
		// The client went away: nobody reads the answer. 499 is the customary log status.
		w.WriteHeader(499)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		g.log.Warn("upstream timed out", "upstream", rt.service, "error", err, "request_id", httpx.RequestID(r.Context()))
		httpx.WriteProblemTo(w, r, httpx.NewProblem(http.StatusGatewayTimeout,
			fmt.Sprintf("%s did not answer within %s", rt.service, g.timeout)))
	default:
		g.log.Warn("upstream unreachable", "upstream", rt.service, "error", err, "request_id", httpx.RequestID(r.Context()))
		// The address and the error chain stay in the log: the client learns the service's name only.
		httpx.WriteProblemTo(w, r, httpx.NewProblem(http.StatusBadGateway, rt.service+" is unreachable"))
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

func notFound(c *gin.Context) { httpx.WriteProblem(c, noRoute(c.Request)) }

// noRoute is the 404 problem of a path the gateway does not serve.
func noRoute(r *http.Request) httpx.Problem {
	return httpx.NewProblem(http.StatusNotFound, fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path))
}
