package ordering

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// History is what a repository offers that keeps every change of an order, not
// only its current state: the event store of event sourcing. When the core's
// repository has it, the routes serve GET /api/orders/{orderId}/events and
// answer ?asOf= and ?version= on GET /api/orders/{orderId}; elsewhere the first
// does not exist (404) and the parameters are refused (400).
type History interface {
	// OrderEvents returns the order's stream, oldest first; a missing order is CodeNotFound.
	OrderEvents(ctx context.Context, orderID string) ([]StreamEvent, error)
	// OrderAt returns the order as it was at the moment: after its first
	// m.Version events, or after those recorded up to m.AsOf. An order that did
	// not exist then, or a version past the stream's end, is CodeNotFound.
	OrderAt(ctx context.Context, orderID string, m Moment) (domain.Order, error)
}

// StreamEvent is one event of an order's stream, as GET /api/orders/{orderId}/events shows it.
type StreamEvent struct {
	OrderID string `json:"orderId"`
	// Version is the event's place in the stream: 1 for the first, then one more each.
	Version int    `json:"version"`
	Type    string `json:"type"`
	// SchemaVersion is the version of Data's shape; StoredSchemaVersion the one
	// it was written in, older when an upcaster has brought it up to date.
	SchemaVersion       int             `json:"schemaVersion"`
	StoredSchemaVersion int             `json:"storedSchemaVersion"`
	RecordedAt          time.Time       `json:"recordedAt"`
	Data                json.RawMessage `json:"data"`
}

// Moment is a point in an order's history: a version of its stream, or a time.
// Exactly one is set.
type Moment struct {
	Version int
	AsOf    time.Time
}

// History returns the history the core's repository keeps, or nil.
func (s core) History() History {
	h, _ := s.repo.(History)
	return h
}

// historyOf returns the history behind an API, or nil.
func historyOf(s API) History {
	if hs, ok := s.(interface{ History() History }); ok {
		return hs.History()
	}
	return nil
}

// historyRoutes registers the stream of an order where the repository keeps one.
func historyRoutes(r gin.IRouter, s API) {
	h := historyOf(s)
	if h == nil {
		return
	}
	r.GET("/api/orders/:orderId/events", func(c *gin.Context) {
		id, ok := httpx.PathID(c, "orderId")
		if ok {
			list, err := h.OrderEvents(c.Request.Context(), id)
			httpx.List(c, list, err)
		}
	})
}

// getOrder answers GET /api/orders/{orderId}: the order now, or with ?asOf= or
// ?version= as it was then, where the repository keeps a history.
func getOrder(c *gin.Context, s API) {
	id, ok := httpx.PathID(c, "orderId")
	if !ok {
		return
	}
	m, field, ok := moment(c)
	if !ok {
		return
	}
	if field == "" {
		o, err := s.Order(c.Request.Context(), id)
		httpx.Respond(c, http.StatusOK, o, err)
		return
	}
	h := historyOf(s)
	if h == nil {
		httpx.WriteError(c, domain.Invalid(domain.FieldError{Field: field,
			Message: "this variant keeps only the current state of an order; event-sourcing answers it"}))
		return
	}
	o, err := h.OrderAt(c.Request.Context(), id, m)
	httpx.Respond(c, http.StatusOK, o, err)
}

// moment reads ?asOf=<RFC 3339> or ?version=<n ≥ 1>; field names the one given,
// empty when neither is. A malformed value, or both, answers 400.
func moment(c *gin.Context) (m Moment, field string, ok bool) {
	asOf, ok := httpx.QueryText(c, "asOf")
	if !ok {
		return m, "", false
	}
	version, ok := httpx.QueryText(c, "version")
	if !ok {
		return m, "", false
	}
	var errs []domain.FieldError
	switch {
	case asOf != "" && version != "":
		errs = append(errs, domain.FieldError{Field: "version", Message: "give asOf or version, not both"})
	case asOf != "":
		t, err := time.Parse(time.RFC3339Nano, asOf)
		if err != nil {
			errs = append(errs, domain.FieldError{Field: "asOf", Message: "must be an RFC 3339 time, e.g. 2025-01-31T12:00:00Z"})
		}
		m.AsOf, field = t.UTC(), "asOf"
	case version != "":
		n, err := strconv.Atoi(version)
		if err != nil || n < 1 {
			errs = append(errs, domain.FieldError{Field: "version", Message: "must be a whole number from 1"})
		}
		m.Version, field = n, "version"
	}
	if len(errs) > 0 {
		httpx.WriteError(c, domain.Invalid(errs...))
		return m, "", false
	}
	return m, field, true
}

// CurrentOnly reads the order id of GET /api/orders/{orderId} for queries that
// keep only the current state of an order (Queries): ?asOf= and ?version= are
// refused (400) as where the repository keeps no history. ok is false when the
// request has been answered.
func CurrentOnly(c *gin.Context) (id string, ok bool) {
	if id, ok = httpx.PathID(c, "orderId"); !ok {
		return "", false
	}
	_, field, ok := moment(c)
	if !ok {
		return "", false
	}
	if field != "" {
		httpx.WriteError(c, domain.Invalid(domain.FieldError{Field: field,
			Message: "this variant keeps only the current state of an order; event-sourcing answers it"}))
		return "", false
	}
	return id, true
}
