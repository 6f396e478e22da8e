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
		if !l.take() {
			httpx.WriteProblem(c, l.busy())
			return
		}
		defer l.give()
		c.Next()
	}
}

// take takes one of the in-flight slots, if one is free.
func (l *limits) take() bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// give gives back the slot take took.
func (l *limits) give() { <-l.slots }

// busy is the problem of a request that found no free slot (with a
// Retry-After of 1 s, as every 503 problem).
func (l *limits) busy() httpx.Problem {
	return httpx.NewProblem(http.StatusServiceUnavailable,
		fmt.Sprintf("the gateway is serving %d requests already, its limit: try again shortly", cap(l.slots)))
}

// body reads the request's body whole before the request goes on (buffer).
func (l *limits) body() gin.HandlerFunc {
	return func(c *gin.Context) {
		switch status, p := l.buffer(c.Writer, c.Request); {
		case status == 0:
			c.Next()
		case p.Status != 0:
			httpx.WriteProblem(c, p)
		default:
			c.AbortWithStatus(status)
		}
	}
}

// buffer reads r's body whole, within the read deadline and up to
// httpx.MaxBodyBytes: a declared length beyond the limit is refused at once
// (with Expect: 100-continue the client never sends the body), a longer body
// is cut at the limit, and a body that stops coming is answered 408. The
// upstream then gets a body of known length. It answers 0 when the request
// may go on, else the status to answer with the problem to write (none for
// 499: the client went away while sending).
func (l *limits) buffer(w http.ResponseWriter, r *http.Request) (int, httpx.Problem) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return 0, httpx.Problem{}
	}
	if r.ContentLength > httpx.MaxBodyBytes {
		return tooLarge(w)
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpx.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return tooLarge(w)
	case isTimeout(err):
		w.Header().Set("Connection", "close")
		return http.StatusRequestTimeout, httpx.NewProblem(http.StatusRequestTimeout,
			fmt.Sprintf("the body did not arrive within %s", l.readTimeout))
	case err != nil:
		return 499, httpx.Problem{}
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	r.ContentLength = int64(len(raw))
	r.Header.Set("Content-Length", strconv.Itoa(len(raw)))
	r.Header.Del("Expect")
	r.TransferEncoding = nil
	return 0, httpx.Problem{}
}

func tooLarge(w http.ResponseWriter) (int, httpx.Problem) {
	w.Header().Set("Connection", "close")
	return http.StatusRequestEntityTooLarge, httpx.NewProblem(http.StatusRequestEntityTooLarge,
		fmt.Sprintf("the body is larger than %d bytes", httpx.MaxBodyBytes))
}
