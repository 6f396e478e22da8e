package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/microservice-patterns/lab/shared/gateway"
	"github.com/microservice-patterns/lab/shared/messaging"
	"github.com/microservice-patterns/lab/shared/telemetry"
)

// maxStarted bounds the creation times ordering keeps for the completion histogram.
const maxStarted = 10000

// business observes the service's answers that change the business: the
// orders ordering creates, completes (in a synchronous base, the confirm
// answers COMPLETED) and cancels, and the reservations the warehouse makes
// when ordering asks it to. The asynchronous bases' completions and
// reservations are seen in their events (publishedEvent).
func (m *meters) business() []gin.HandlerFunc {
	switch m.service {
	case "ordering":
		return []gin.HandlerFunc{m.orders}
	case "warehouse":
		return []gin.HandlerFunc{m.reservationAnswers}
	}
	return nil
}

func (m *meters) orders(c *gin.Context) {
	route := c.FullPath()
	var body *recorder
	if route == "/api/orders/:orderId/confirm" {
		body = record(c)
	}
	c.Next()
	ctx, status := c.Request.Context(), c.Writer.Status()
	switch {
	case route == "/api/orders" && c.Request.Method == http.MethodPost && status == http.StatusCreated:
		m.created.Add(ctx, 1)
		m.start(telemetry.PathOrderID(c.Writer.Header().Get("Location")))
	case route == "/api/orders/:orderId/cancel" && status == http.StatusOK:
		m.canceled.Add(ctx, 1)
		m.forget(c.Param("orderId"))
	case body != nil && status == http.StatusOK && body.status() == "COMPLETED":
		m.complete(ctx, c.Param("orderId"))
	}
}

func (m *meters) reservationAnswers(c *gin.Context) {
	if c.FullPath() != "/internal/reservations" {
		c.Next()
		return
	}
	body := record(c)
	c.Next()
	if c.Writer.Status() == http.StatusCreated {
		m.reserved(c.Request.Context(), body.status())
	}
}

// publishedEvent counts what an asynchronous base announces: a completed
// order, and a reservation whose event carries its status (the fat events of
// event-carried state transfer; thin ones carry ids only).
func (m *meters) publishedEvent(ctx context.Context, ev messaging.Event) {
	switch {
	case m.service == "ordering" && ev.Type == messaging.OrderCompleted:
		m.complete(ctx, ev.Subject)
	case m.service == "warehouse" && ev.Type == messaging.ReservationChanged:
		var r struct {
			Status string `json:"status"`
		}
		if json.Unmarshal(ev.Data, &r) == nil {
			m.reserved(ctx, r.Status)
		}
	}
}

func (m *meters) reserved(ctx context.Context, status string) {
	if status == "RESERVED" || status == "REJECTED" {
		m.reservations.Add(ctx, 1, metric.WithAttributes(attribute.String("status", status)))
	}
}

// start remembers when an order was created, for its completion time.
func (m *meters) start(id string) {
	if id == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.started) >= maxStarted {
		for k := range m.started { // forget one at random: the histogram misses an order, nothing else
			delete(m.started, k)
			break
		}
	}
	m.started[id] = time.Now()
}

func (m *meters) forget(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.started, id)
}

// complete counts a completed order, and its time from creation when this
// process saw it created.
func (m *meters) complete(ctx context.Context, id string) {
	m.completed.Add(ctx, 1)
	m.mu.Lock()
	t0, ok := m.started[id]
	delete(m.started, id)
	m.mu.Unlock()
	if ok {
		m.completion.Record(ctx, time.Since(t0).Seconds())
	}
}

// gauges registers what is read at scrape time from what the service already
// serves: the warehouse's stock per product code, and the state of each
// circuit breaker of the service (its circuit-breaker pattern's table at
// /admin/patterns), so that the metrics pattern needs nothing from the others.
func (m *meters) gauges() error {
	if m.self == "" {
		return nil
	}
	if m.service == "warehouse" {
		if _, err := m.meter.Int64ObservableGauge("lab.product.stock",
			metric.WithDescription("Stock available to reserve, by product code."),
			metric.WithInt64Callback(m.stock)); err != nil {
			return err
		}
	}
	_, err := m.meter.Int64ObservableGauge("lab.breaker.state",
		metric.WithDescription("State of the circuit breaker per callee: 0 closed, 1 half-open, 2 open."),
		metric.WithInt64Callback(m.breakers))
	return err
}

func (m *meters) stock(ctx context.Context, o metric.Int64Observer) error {
	var products []struct {
		Code  string `json:"code"`
		Stock int64  `json:"stock"`
	}
	if err := m.read(ctx, "/api/products", &products); err != nil {
		return err
	}
	for _, p := range products {
		o.Observe(p.Stock, metric.WithAttributes(attribute.String("code", p.Code)))
	}
	return nil
}

// breakerStates maps a breaker's state, as its table shows it, to the gauge's value.
var breakerStates = map[string]int64{"closed": 0, "half-open": 1, "open": 2}

func (m *meters) breakers(ctx context.Context, o metric.Int64Observer) error {
	var states gateway.ServiceStates
	if err := m.read(ctx, "/admin/patterns", &states); err != nil {
		return err
	}
	for _, t := range states.Patterns {
		callee, state := slices.Index(t.Columns, "callee"), slices.Index(t.Columns, "state")
		if t.Pattern != "circuit-breaker" || callee < 0 || state < 0 {
			continue
		}
		for _, row := range t.Rows {
			name, _ := row[callee].(string)
			s, _ := row[state].(string)
			if v, ok := breakerStates[s]; ok && name != "" {
				o.Observe(v, metric.WithAttributes(attribute.String("callee", name)))
			}
		}
	}
	return nil
}

// read GETs one of the service's own resources.
func (m *meters) read(ctx context.Context, path string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.self+path, nil)
	if err != nil {
		return err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// recorder keeps a copy of an answer's body, for the status it names.
type recorder struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func record(c *gin.Context) *recorder {
	r := &recorder{ResponseWriter: c.Writer}
	c.Writer = r
	return r
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.buf.Len() < 1<<16 {
		r.buf.Write(b)
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) WriteString(s string) (int, error) {
	if r.buf.Len() < 1<<16 {
		r.buf.WriteString(s)
	}
	return r.ResponseWriter.WriteString(s)
}

// status is the status field of the recorded JSON answer.
func (r *recorder) status() string {
	var v struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(r.buf.Bytes(), &v)
	return v.Status
}
