package ordering_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
	"github.com/microservice-patterns/lab/shared/services/ordering"
)

// historyRepo is a memRepo that keeps a history: the moment it was asked for.
type historyRepo struct {
	*memRepo
	asked ordering.Moment
}

func (r *historyRepo) OrderEvents(_ context.Context, id string) ([]ordering.StreamEvent, error) {
	return []ordering.StreamEvent{{OrderID: id, Version: 1, Type: "OrderOpened", SchemaVersion: 1,
		StoredSchemaVersion: 1, Data: json.RawMessage(`{}`)}}, nil
}

func (r *historyRepo) OrderAt(ctx context.Context, id string, m ordering.Moment) (domain.Order, error) {
	r.asked = m
	return r.Order(ctx, id)
}

// serve answers one request to the routes of a choreographed core over repo.
func serve(t *testing.T, repo ordering.Repository, target string) (int, string) {
	t.Helper()
	w := &world{}
	c, err := ordering.NewChoreography(repo, ordering.Ports{Customers: w, Catalog: w})
	if err != nil {
		t.Fatal(err)
	}
	e := httpx.NewEngine(slog.New(slog.DiscardHandler))
	ordering.Routes(e, c)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec.Code, rec.Body.String()
}

func TestRoutes_History(t *testing.T) {
	id := domain.NewID()
	order := domain.Order{OrderID: id, Status: domain.OrderOpen, Items: []domain.OrderItem{}}
	plain := newRepo()
	plain.orders[id] = order
	keeps := &historyRepo{memRepo: newRepo()}
	keeps.orders[id] = order
	at := "2025-01-31T12:00:00Z"
	cases := []struct {
		name   string
		repo   ordering.Repository
		target string
		status int
		body   string
	}{
		{"no stream elsewhere", plain, "/api/orders/" + id + "/events", 404, "problem"},
		{"no past elsewhere", plain, "/api/orders/" + id + "?asOf=" + at, 400, "event-sourcing"},
		{"no version elsewhere", plain, "/api/orders/" + id + "?version=2", 400, "event-sourcing"},
		{"now everywhere", plain, "/api/orders/" + id, 200, id},
		{"the stream", keeps, "/api/orders/" + id + "/events", 200, `"type":"OrderOpened"`},
		{"as of", keeps, "/api/orders/" + id + "?asOf=" + at, 200, id},
		{"a version", keeps, "/api/orders/" + id + "?version=1", 200, id},
		{"a bad time", keeps, "/api/orders/" + id + "?asOf=yesterday", 400, "asOf"},
		{"version 0", keeps, "/api/orders/" + id + "?version=0", 400, "version"},
		{"both", keeps, "/api/orders/" + id + "?version=1&asOf=" + at, 400, "not both"},
		{"twice", keeps, "/api/orders/" + id + "?version=1&version=2", 400, "more than once"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := serve(t, c.repo, c.target)
			if status != c.status || !strings.Contains(body, c.body) {
				t.Fatalf("%s: %d %s, want %d with %q", c.target, status, body, c.status, c.body)
			}
		})
	}
	serve(t, keeps, "/api/orders/"+id+"?asOf="+at)
	if want, _ := time.Parse(time.RFC3339, at); !keeps.asked.AsOf.Equal(want) || keeps.asked.Version != 0 {
		t.Fatalf("asked for %+v", keeps.asked)
	}
}
