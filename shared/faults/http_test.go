package faults

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// sequence returns a random source that answers the numbers in turn, then 0.
func sequence(numbers ...float64) func() float64 {
	var i atomic.Int64
	return func() float64 {
		n := int(i.Add(1)) - 1
		if n < len(numbers) {
			return numbers[n]
		}
		return 0
	}
}

// server serves an engine with the injector installed and one route, /work,
// whose calls it counts.
type server struct {
	*httptest.Server
	in      *Injector
	handled atomic.Int64
}

func newServer(t *testing.T, s Settings, opts ...Option) *server {
	t.Helper()
	in, err := New("warehouse", s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := &server{in: in}
	e := httpx.NewEngine(slog.New(slog.DiscardHandler))
	httpx.Health(e, nil)
	in.Install(e)
	e.GET("/work", func(c *gin.Context) {
		srv.handled.Add(1)
		c.JSON(http.StatusOK, gin.H{"ok": true})
	})
	srv.Server = httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

func (s *server) get(t *testing.T, path string) (*http.Response, error) {
	t.Helper()
	resp, err := http.Get(s.URL + path)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

func TestMiddleware_errorRate(t *testing.T) {
	// The draws 0.1 and 0.4 are under the rate of 0.5, so the first and third requests fail.
	srv := newServer(t, Settings{ErrorRate: 0.5, ErrorStatus: http.StatusBadGateway}, WithRandom(sequence(0.1, 0.9, 0.4, 0.6)))
	var got []int
	for range 4 {
		resp, err := srv.get(t, "/work")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, resp.StatusCode)
		if resp.StatusCode == http.StatusBadGateway && resp.Header.Get("Content-Type") != httpx.ProblemContentType {
			t.Errorf("injected failure: Content-Type %q, want problem+json", resp.Header.Get("Content-Type"))
		}
	}
	if want := []int{502, 200, 502, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses: got %v, want %v", got, want)
	}
	st := srv.in.Status()
	if st.Requests != 4 || st.Injected != 2 || srv.handled.Load() != 2 {
		t.Errorf("counters: got %d requests, %d injected, %d handled; want 4, 2, 2", st.Requests, st.Injected, srv.handled.Load())
	}
}

func TestMiddleware_errorStatusDefaultsTo503(t *testing.T) {
	srv := newServer(t, Settings{ErrorRate: 1})
	resp, err := srv.get(t, "/work")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("got %d with Retry-After %q, want 503 with one", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestMiddleware_latency(t *testing.T) {
	var slept []time.Duration
	record := func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	srv := newServer(t, Settings{LatencyMs: 100, LatencyJitterMs: 40}, WithRandom(sequence(0.5, 0)), WithSleep(record))
	for range 2 {
		if resp, err := srv.get(t, "/work"); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("got %v, %v; want 200 after the delay", resp, err)
		}
	}
	if want := []time.Duration{120 * time.Millisecond, 100 * time.Millisecond}; !slices.Equal(slept, want) {
		t.Errorf("delays: got %v, want %v", slept, want)
	}
	if st := srv.in.Status(); st.Delayed != 2 || st.Injected != 0 {
		t.Errorf("counters: got %d delayed, %d injected; want 2, 0", st.Delayed, st.Injected)
	}
}

func TestMiddleware_latencyEndsWhenTheClientGoesAway(t *testing.T) {
	gone := func(context.Context, time.Duration) error { return context.Canceled }
	srv := newServer(t, Settings{LatencyMs: 1000}, WithSleep(gone))
	if resp, err := srv.get(t, "/work"); err != nil || resp.StatusCode != 499 {
		t.Errorf("got %v, %v; want 499", resp, err)
	}
	if n := srv.handled.Load(); n != 0 {
		t.Errorf("handled %d requests whose client had gone, want 0", n)
	}
}

func TestMiddleware_refuse(t *testing.T) {
	srv := newServer(t, Settings{Down: Refuse})
	resp, err := srv.get(t, "/work")
	if err == nil {
		t.Fatalf("got %d, want the connection closed without an answer", resp.StatusCode)
	}
	if st := srv.in.Status(); st.Requests != 1 || st.Injected != 1 || srv.handled.Load() != 0 {
		t.Errorf("counters: got %+v and %d handled; want 1 request, 1 injected, 0 handled", st, srv.handled.Load())
	}
}

func TestMiddleware_hangUntilTheClientGivesUp(t *testing.T) {
	srv := newServer(t, Settings{Down: Hang})
	client := &http.Client{Timeout: 100 * time.Millisecond}
	_, err := client.Get(srv.URL + "/work")
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("got %v, want the client to time out", err)
	}
	if st := srv.in.Status(); st.Injected != 1 || srv.handled.Load() != 0 {
		t.Errorf("got %d injected, %d handled; want 1, 0", st.Injected, srv.handled.Load())
	}
}

func TestMiddleware_hangEndsWhenTheFaultsChange(t *testing.T) {
	srv := newServer(t, Settings{Down: Hang})
	done := make(chan int)
	go func() {
		resp, err := http.Get(srv.URL + "/work")
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	for srv.in.Status().Requests == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := srv.in.Set(Settings{}); err != nil {
		t.Fatal(err)
	}
	if got := <-done; got != http.StatusOK {
		t.Errorf("hung request after the faults were lifted: got %d, want 200", got)
	}
}

func TestMiddleware_exemptPaths(t *testing.T) {
	srv := newServer(t, Settings{Down: Refuse})
	for _, path := range []string{"/healthz", "/readyz", "/admin/faults"} {
		if resp, err := srv.get(t, path); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("%s with the service down: got %v, %v; want 200", path, resp, err)
		}
	}
	if n := srv.in.Status().Requests; n != 0 {
		t.Errorf("requests counted: got %d, want 0", n)
	}
}

func TestAdmin_put(t *testing.T) {
	srv := newServer(t, Settings{})
	c := Admin(srv.URL)
	t.Run("sets and reads back", func(t *testing.T) {
		want := Settings{ErrorRate: 0.2, ErrorStatus: 504, LatencyMs: 30, LatencyJitterMs: 10}
		if _, err := c.Set(context.Background(), want); err != nil {
			t.Fatal(err)
		}
		st, err := c.Get(context.Background())
		if err != nil || st.Settings != want {
			t.Errorf("got %+v, %v; want %+v", st.Settings, err, want)
		}
	})
	t.Run("accepts what GET answered, counters included", func(t *testing.T) {
		r := put(t, srv.URL, `{"errorRate":0,"errorStatus":0,"latencyMs":0,"latencyJitterMs":0,"down":"","requests":7,"injected":1,"delayed":0}`)
		if r.StatusCode != http.StatusOK {
			t.Errorf("got %d, want 200", r.StatusCode)
		}
	})
	for name, body := range map[string]string{
		"refuses a value out of range": `{"errorRate":2}`,
		"refuses an unknown down":      `{"down":"maybe"}`,
		"refuses an unknown field":     `{"latency":5}`,
		"refuses malformed JSON":       `{"errorRate":`,
	} {
		t.Run(name, func(t *testing.T) {
			if r := put(t, srv.URL, body); r.StatusCode != http.StatusBadRequest || r.Header.Get("Content-Type") != httpx.ProblemContentType {
				t.Errorf("got %d %s, want a 400 problem", r.StatusCode, r.Header.Get("Content-Type"))
			}
		})
	}
}

func put(t *testing.T, base, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, base+"/admin/faults", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	return resp
}

// TestAdmin_putNamesTheFieldAsSent checks that a problem names a field of the
// body as the client wrote it ("errorRate"), not by the Go path of the
// embedded settings ("Settings.errorRate").
func TestAdmin_putNamesTheFieldAsSent(t *testing.T) {
	srv := newServer(t, Settings{})
	for body, field := range map[string]string{
		`{"errorRate":"half"}`: "errorRate",
		`{"latencyMs":1.5}`:    "latencyMs",
		`{"down":1}`:           "down",
		`{"errorRate":3}`:      "errorRate",
		`{"requests":"many"}`:  "requests",
	} {
		req, _ := http.NewRequest(http.MethodPut, srv.URL+"/admin/faults", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p httpx.Problem
		_ = json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("%s: got %d with errors %+v, want 400 on the field %q", body, resp.StatusCode, p.Errors, field)
		}
	}
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/admin/faults", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("a text/plain body: got %d, want 415", resp.StatusCode)
	}
}
