package gateway

import (
	"log/slog"
	"net/http"
	"net/http/httputil"
	"strings"
	"time"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// lean serves the proxied API paths without gin, for a gateway to which no
// pattern adds middleware (a base on its own): the same steps as the engine
// takes for them — the request id, the access line, panic recovery, the
// header, in-flight and body limits, the check that the path is public, the
// route's proxy — with none of gin's per-request work around them (its
// context, its chain of handlers, its response writer). Every other request
// goes to the engine: the lab's own routes, the UI, a method gin would
// answer 405, and a request that accepts gzip (compressJSON is gin's).
type lean struct {
	engine  http.Handler
	proxies map[string]*httputil.ReverseProxy // by the segment after /api/ (routeTable)
	limits  *limits
	log     *slog.Logger // the engine's, which writes the access line at info
}

func (g *gateway) lean(engine http.Handler, l *limits, log *slog.Logger) *lean {
	h := &lean{engine: engine, proxies: map[string]*httputil.ReverseProxy{}, limits: l, log: log}
	for prefix, service := range routeTable {
		h.proxies[strings.TrimPrefix(prefix, "/api/")] = g.newProxy(route{service: service, target: g.services[service]})
	}
	return h
}

func (h *lean) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	proxy := h.route(r)
	if proxy == nil {
		h.engine.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	id := httpx.RequestIDOf(r)
	w.Header().Set(httpx.RequestIDHeader, id)
	ctx := httpx.WithRequestID(r.Context(), id)
	r = r.WithContext(ctx)
	sw := httpx.NewStatusWriter(w)
	h.serve(sw, r, proxy)
	level := httpx.AccessLevel(sw.Status, r.URL.Path, false)
	if lh := h.log.Handler(); lh.Enabled(ctx, level) {
		_ = lh.Handle(ctx, httpx.AccessRecord(level, r, sw.Status, start, id))
	}
}

// route is the proxy of a request the lean path serves, or nil. It matches
// as the engine's routes do: a prefix of routeTable, alone or followed by
// "/", under one of the methods gin's Any registers.
func (h *lean) route(r *http.Request) *httputil.ReverseProxy {
	switch r.Method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions, http.MethodConnect, http.MethodTrace:
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			return nil
		}
	case http.MethodHead: // never compressed
	default:
		return nil
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/")
	if !ok {
		return nil
	}
	name, _, _ := strings.Cut(rest, "/")
	return h.proxies[name]
}

func (h *lean) serve(w http.ResponseWriter, r *http.Request, proxy *httputil.ReverseProxy) {
	defer func() {
		if v := recover(); v != nil {
			httpx.WriteProblemTo(w, r, httpx.Recovered(h.log, v, r.URL.Path))
		}
	}()
	if p, ok := httpx.HeadersTooLarge(r); ok {
		httpx.WriteProblemTo(w, r, p)
		return
	}
	if !h.limits.take() {
		httpx.WriteProblemTo(w, r, h.limits.busy())
		return
	}
	defer h.limits.give()
	switch status, p := h.limits.buffer(w, r); {
	case p.Status != 0:
		httpx.WriteProblemTo(w, r, p)
		return
	case status != 0:
		w.WriteHeader(status)
		return
	}
	if !public(r.URL.Path) {
		httpx.WriteProblemTo(w, r, noRoute(r))
		return
	}
	proxy.ServeHTTP(w, r)
}
