package gateway

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/messaging"
)

// DefaultKeepAlive is how often an idle event stream sends a comment, so that
// proxies and browsers keep the connection open.
const DefaultKeepAlive = 15 * time.Second

// EventStream serves a variant's live events as Server-Sent Events: each
// request opens its own tap on the variant's exchange (messaging.Tap: a
// server-named, exclusive, auto-deleted queue bound to every event type), so
// it sees every event published from then on, whoever consumes it, and takes
// nothing from the services' queues. Give it to the gateway with WithEvents.
//
// Each event is sent as
//
//	event: <the event type>
//	id: <the event id>
//	data: <the CloudEvents JSON document>
//
// with a comment line every KeepAlive while nothing happens. The stream ends,
// and its tap queue with it, when the client goes away or the gateway stops.
type EventStream struct {
	URL       string          // the broker's AMQP URL
	Names     messaging.Names // the variant's (and run's) broker names
	KeepAlive time.Duration   // default DefaultKeepAlive
	Log       *slog.Logger    // default slog.Default()
}

// ServeHTTP streams the events until the client disconnects.
func (s *EventStream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	events, err := messaging.Tap(ctx, s.URL, s.Names)
	if err != nil {
		s.logger().Warn("open an event tap", "err", err)
		writeProblem(w, r, httpx.NewProblem(http.StatusServiceUnavailable,
			"the live events are unavailable: the message broker cannot be reached"))
		return
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, ": live events of %s\n\n", s.Names.Exchange())
	_ = rc.Flush()
	s.stream(w, rc, r, events)
}

// stream writes each event, and a keep-alive comment when idle, until the
// client goes away, the gateway stops or the tap ends.
func (s *EventStream) stream(w http.ResponseWriter, rc *http.ResponseController, r *http.Request, events <-chan messaging.Event) {
	keepAlive := s.KeepAlive
	if keepAlive <= 0 {
		keepAlive = DefaultKeepAlive
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	ctx, stopping := r.Context(), httpx.Stopping(r.Context())
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-stopping:
			return
		case <-tick.C:
			_, err = fmt.Fprint(w, ": keep-alive\n\n")
		case ev, ok := <-events:
			if !ok {
				return
			}
			err = writeEvent(w, ev)
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return // the client has gone
		}
	}
}

func (s *EventStream) logger() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// writeEvent writes one event in the Server-Sent Events format; the JSON
// document has no line breaks, so it is one data line.
func writeEvent(w http.ResponseWriter, ev messaging.Event) error {
	body, err := ev.Marshal()
	if err != nil {
		return nil // an event that does not encode is skipped
	}
	_, err = fmt.Fprintf(w, "event: %s\nid: %s\ndata: %s\n\n", ev.Type, ev.ID, body)
	return err
}

// writeProblem answers a problem document outside gin.
func writeProblem(w http.ResponseWriter, r *http.Request, p httpx.Problem) {
	p.Instance = r.URL.Path
	w.Header().Set("Content-Type", httpx.ProblemContentType)
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
