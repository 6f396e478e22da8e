package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// limits bounds what one client can hold of the gateway: at most maxInFlight
// requests are served at once, and a body larger than httpx.MaxBodyBytes is
// refused with 413 before anything is proxied. Its read and write timeouts —
// a request must arrive within readTimeout, its answer be written within
// writeTimeout — are its server's, for every request (httpx.WithTimeouts),
// which the live event stream clears for itself.
type limits struct {
	readTimeout time.Duration
	slots       chan struct{}
}

// defaultMaxInFlight is the cap when the configuration sets none.
const defaultMaxInFlight = 512

func newLimits(read time.Duration, maxInFlight int) *limits {
	if maxInFlight < 1 {
		maxInFlight = defaultMaxInFlight
	}
	return &limits{readTimeout: read, slots: make(chan struct{}, maxInFlight)}
}

// inFlight answers 503 when maxInFlight requests are being served already. The
// live event stream is left out: it has its own cap on subscribers.
func (l *limits) inFlight() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.URL.Path == "/api/lab/events" {
			c.Next()
			return
		}
		select {
		case l.slots <- struct{}{}:
			defer func() { <-l.slots }()
			c.Next()
		default:
			c.Header("Retry-After", "1")
			httpx.WriteProblem(c, httpx.NewProblem(http.StatusServiceUnavailable,
				fmt.Sprintf("the gateway is serving %d requests already, its limit: try again shortly", cap(l.slots))))
		}
	}
}

// body reads the request's body whole, within the read deadline and up to
// httpx.MaxBodyBytes, before the request goes on: a declared length beyond the
// limit is refused at once (with Expect: 100-continue the client never sends
// the body), a longer body is cut at the limit, and a body that stops coming
// is answered 408. The upstream then gets a body of known length.
func (l *limits) body() gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			c.Next()
			return
		}
		if r.ContentLength > httpx.MaxBodyBytes {
			tooLarge(c)
			return
		}
		raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, r.Body, httpx.MaxBodyBytes))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			tooLarge(c)
			return
		case isTimeout(err):
			c.Header("Connection", "close")
			httpx.WriteProblem(c, httpx.NewProblem(http.StatusRequestTimeout,
				fmt.Sprintf("the body did not arrive within %s", l.readTimeout)))
			return
		case err != nil:
			c.AbortWithStatus(499) // the client went away while sending
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		r.ContentLength = int64(len(raw))
		r.Header.Set("Content-Length", strconv.Itoa(len(raw)))
		r.Header.Del("Expect")
		r.TransferEncoding = nil
		c.Next()
	}
}

func tooLarge(c *gin.Context) {
	c.Header("Connection", "close")
	httpx.WriteProblem(c, httpx.NewProblem(http.StatusRequestEntityTooLarge,
		fmt.Sprintf("the body is larger than %d bytes", httpx.MaxBodyBytes)))
}
