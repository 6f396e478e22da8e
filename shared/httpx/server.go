package httpx

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Check reports whether a dependency (database, broker) is reachable.
type Check func(ctx context.Context) error

// Health registers GET /healthz (the process is alive) and GET /readyz (every check passes).
func Health(r gin.IRouter, checks map[string]Check) {
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		result, ready := gin.H{}, true
		for name, check := range checks {
			if err := check(ctx); err != nil {
				result[name], ready = err.Error(), false
				continue
			}
			result[name] = "ok"
		}
		if !ready {
			c.Header("Retry-After", "1")
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "checks": result})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ok", "checks": result})
	})
}

// Listen binds addr, so that a taken port is an error before anything starts and
// tests can pass ":0" and read the port from the listener.
func Listen(addr string) (net.Listener, error) {
	return net.Listen("tcp", addr)
}

// The server limits of Serve. A handler may carry its own read and write
// timeouts (WithTimeouts: the gateway's) or clear the deadlines for a stream
// that stays open.
const (
	// ReadHeaderTimeout bounds the arrival of a request's headers.
	ReadHeaderTimeout = 5 * time.Second
	// ReadTimeout bounds the arrival of a whole request, body included.
	ReadTimeout = 30 * time.Second
	// WriteTimeout bounds a request from the end of its headers to the end of its answer.
	WriteTimeout = 2 * time.Minute
	// IdleTimeout closes a kept-alive connection that carries no request.
	IdleTimeout = 60 * time.Second
	// ServerMaxHeaderBytes is net/http's own limit on a request's headers.
	// Beyond it net/http answers 431 in text/plain before any handler runs;
	// below it, past MaxHeaderBytes, the engine answers 431 as a problem document.
	// A request line or header that does not parse is likewise answered by
	// net/http itself, 400 in text/plain: no handler sees it.
	ServerMaxHeaderBytes = 1 << 20
)

// NewServer returns the server of h with the lab's limits: the constants
// above, or the timeouts h carries (WithTimeouts), and HTTP/2 without TLS
// beside HTTP/1.1 for a CleartextHTTP2 handler. The marks are read off h in
// whichever order they were put on, and the server serves the handler inside
// them, so that they cost a request nothing.
func NewServer(h http.Handler) *http.Server {
	srv := &http.Server{ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout,
		WriteTimeout: WriteTimeout, IdleTimeout: IdleTimeout, MaxHeaderBytes: ServerMaxHeaderBytes}
	for {
		switch m := h.(type) {
		case cleartextHTTP2:
			var p http.Protocols
			p.SetHTTP1(true)
			p.SetUnencryptedHTTP2(true)
			srv.Protocols = &p
			h = m.Handler
		case timeouts:
			if m.read > 0 {
				srv.ReadTimeout = m.read
			}
			if m.write > 0 {
				srv.WriteTimeout = m.write
			}
			h = m.Handler
		default:
			srv.Handler = h
			return srv
		}
	}
}

// WithTimeouts gives h the read and write timeouts its server keeps for
// every request in place of ReadTimeout and WriteTimeout (a zero keeps the
// constant): read bounds a request's arrival, body included, from its first
// byte; write bounds the answer, from the end of the request's headers. The
// server sets both deadlines on the connection for each request anyway, so a
// timeout of the handler's own costs nothing more; a handler that must
// outlive them (a stream of events) clears them with http.ResponseController.
func WithTimeouts(h http.Handler, read, write time.Duration) http.Handler {
	return timeouts{h, read, write}
}

type timeouts struct {
	http.Handler
	read, write time.Duration
}

// Serve serves h on ln until ctx is done, then shuts down gracefully, giving
// requests in flight up to grace to finish.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger, grace time.Duration) error {
	base := context.WithValue(context.WithoutCancel(ctx), stoppingKey{}, ctx.Done())
	srv := NewServer(h)
	srv.BaseContext = func(net.Listener) context.Context { return base }
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Debug("shutting down", "addr", ln.Addr().String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type stoppingKey struct{}

// Stopping returns a channel that is closed when the server serving the
// request of ctx begins to shut down. Requests in flight keep their context so
// that they can finish; a long-lived one (a stream of events) ends itself when
// this closes, so that shutting down need not wait for it. It is nil (never
// closed) outside Serve.
func Stopping(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(stoppingKey{}).(<-chan struct{})
	return ch
}

// CleartextHTTP2 marks h as a handler that also speaks HTTP/2 without TLS
// (h2c with prior knowledge, as a gRPC client does): Serve then accepts
// HTTP/1.1 and h2c on the one listener, and its graceful shutdown covers both.
func CleartextHTTP2(h http.Handler) http.Handler { return cleartextHTTP2{h} }

type cleartextHTTP2 struct{ http.Handler }
