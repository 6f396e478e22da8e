package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/messaging"
)

// DefaultKeepAlive is how often an idle event stream sends a comment, so that
// proxies and browsers keep the connection open.
const DefaultKeepAlive = 15 * time.Second

// DefaultMaxSubscribers caps the open event streams when MaxSubscribers is not set.
const DefaultMaxSubscribers = 64

// EventStream serves a variant's live events as Server-Sent Events. It holds
// one tap on the variant's exchange (messaging.Tap: a server-named, exclusive,
// auto-deleted queue bound to every event type, one broker connection) while
// at least one stream is open, and fans each event out to every stream: a
// stream sees every event published from then on, whoever consumes it, and
// takes nothing from the services' queues. Beyond MaxSubscribers streams the
// answer is 503. Give it to the gateway with WithEvents.
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
	// MaxSubscribers caps the open streams; the gateway sets it from
	// GATEWAY_MAX_EVENT_STREAMS, default DefaultMaxSubscribers.
	MaxSubscribers int

	mu     sync.Mutex
	subs   map[chan messaging.Event]struct{}
	cancel context.CancelFunc // ends the tap
	taps   atomic.Int64       // how many taps were opened
}

// Taps is how many taps (broker connections) the stream has opened so far.
func (s *EventStream) Taps() int64 { return s.taps.Load() }

// subscribe adds a subscriber, opening the tap for the first one.
func (s *EventStream) subscribe() (chan messaging.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	max := s.MaxSubscribers
	if max <= 0 {
		max = DefaultMaxSubscribers
	}
	if len(s.subs) >= max {
		return nil, errTooManySubscribers
	}
	if s.subs == nil {
		s.subs = map[chan messaging.Event]struct{}{}
	}
	if s.cancel == nil {
		ctx, cancel := context.WithCancel(context.Background())
		events, err := messaging.Tap(ctx, s.URL, s.Names)
		if err != nil {
			cancel()
			return nil, err
		}
		s.taps.Add(1)
		s.cancel = cancel
		go s.fanOut(events)
	}
	ch := make(chan messaging.Event, messaging.TapBuffer)
	s.subs[ch] = struct{}{}
	return ch, nil
}

// unsubscribe removes a subscriber and ends the tap after the last one.
func (s *EventStream) unsubscribe(ch chan messaging.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.subs[ch]; !ok {
		return
	}
	delete(s.subs, ch)
	close(ch)
	if len(s.subs) == 0 && s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
}

// fanOut hands each event of the tap to every subscriber; one that is behind
// loses it rather than hold up the others. When the tap ends its subscribers'
// streams end too.
func (s *EventStream) fanOut(events <-chan messaging.Event) {
	for ev := range events {
		s.mu.Lock()
		for ch := range s.subs {
			select {
			case ch <- ev:
			default:
			}
		}
		s.mu.Unlock()
	}
}

var errTooManySubscribers = errors.New("too many subscribers")

// ServeHTTP streams the events until the client disconnects.
func (s *EventStream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	events, err := s.subscribe()
	if errors.Is(err, errTooManySubscribers) {
		writeProblem(w, r, httpx.NewProblem(http.StatusServiceUnavailable,
			"too many live event streams are open: close one, or try again later"))
		return
	}
	if err != nil {
		s.logger().Warn("open an event tap", "err", err)
		writeProblem(w, r, httpx.NewProblem(http.StatusServiceUnavailable,
			"the live events are unavailable: the message broker cannot be reached"))
		return
	}
	defer s.unsubscribe(events)
	rc := http.NewResponseController(w)
	// The stream stays open: the gateway's read and write deadlines do not apply.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
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
