package faults

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// Install serves GET and PUT /admin/faults on e and injects the faults into
// every request of the routes registered after it.
func (in *Injector) Install(e *gin.Engine) {
	e.GET("/admin/faults", func(c *gin.Context) { c.JSON(http.StatusOK, in.Status()) })
	e.PUT("/admin/faults", in.put)
	e.Use(in.Middleware())
}

// put sets the faults from the request body: 400 on a value out of range.
func (in *Injector) put(c *gin.Context) {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusUnsupportedMediaType, "the body must be application/json"))
		return
	}
	var body input
	err := httpx.DecodeJSON(http.MaxBytesReader(c.Writer, c.Request.Body, httpx.MaxBodyBytes), &body)
	if err == nil {
		err = in.Set(body.Settings)
	}
	if err != nil {
		httpx.WriteError(c, plainFields(err))
		return
	}
	c.JSON(http.StatusOK, in.Status())
}

// plainFields names the fields of a decoding error as the client wrote them:
// the body embeds Settings, and a wrong type in it would otherwise be reported
// on "Settings.errorRate" instead of "errorRate".
func plainFields(err error) error {
	var de *domain.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return err
	}
	out := *de
	out.Fields = make([]domain.FieldError, len(de.Fields))
	for i, f := range de.Fields {
		f.Field = strings.TrimPrefix(f.Field, "Settings.")
		out.Fields[i] = f
	}
	return &out
}

// Middleware applies the faults in force to each request: a service that is
// down refuses or hangs; otherwise the request waits the latency, then fails
// with the error rate, or goes on.
func (in *Injector) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		if exempt(c.Request.URL.Path) {
			c.Next()
			return
		}
		s, changed := in.current()
		in.requests.Add(1)
		switch s.Down {
		case Refuse:
			in.injected.Add(1)
			refuse(c)
			return
		case Hang:
			in.injected.Add(1)
			if !hang(c, changed) {
				return
			}
			s, _ = in.current() // the request goes on under the faults now in force
		}
		if d := in.delay(s); d > 0 {
			in.delayed.Add(1)
			if err := in.sleep(c.Request.Context(), d); err != nil {
				c.AbortWithStatus(499) // the client went away: nobody reads the answer
				return
			}
		}
		if in.fails(s) {
			in.injected.Add(1)
			httpx.WriteProblem(c, httpx.NewProblem(s.status(), fmt.Sprintf("fault injected into %s: %s", in.service, s)))
			return
		}
		c.Next()
	}
}

// exempt reports whether a path is out of the faults' reach: the health checks
// and the operator's endpoints, so that faults can always be seen and lifted.
func exempt(path string) bool {
	return path == "/healthz" || path == "/readyz" || strings.HasPrefix(path, "/admin/")
}

// refuse closes the connection without an answer. The close is a reset (no
// lingering), as from a process that died: the client sees its call fail at once.
func refuse(c *gin.Context) {
	c.Abort()
	// nginx's 444, "closed without a response", for the access log only: nothing is sent.
	c.Status(444)
	// gin's writer hijacks only when the server's writer can (HTTP/1); HTTP/2
	// cannot hand its connection over, and aborting the handler resets the stream.
	if !hijackable(c.Writer) {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := c.Writer.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

func hijackable(w gin.ResponseWriter) bool {
	inner, ok := w.(interface{ Unwrap() http.ResponseWriter })
	if !ok {
		return false
	}
	_, ok = inner.Unwrap().(http.Hijacker)
	return ok
}

// hang blocks until the client gives up or the faults change. It reports
// whether the request may go on (the faults changed).
func hang(c *gin.Context, changed <-chan struct{}) bool {
	select {
	case <-c.Request.Context().Done():
		c.AbortWithStatus(499)
		return false
	case <-changed:
		return true
	}
}
