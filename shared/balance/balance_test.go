package balance

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// instance is a test server that counts its requests and echoes their bodies.
type instance struct {
	*httptest.Server
	hits  atomic.Int64
	ready atomic.Bool
}

func newInstance(t *testing.T) *instance {
	in := &instance{}
	in.ready.Store(true)
	in.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			if !in.ready.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
			return
		}
		in.hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(b)
	}))
	t.Cleanup(in.Close)
	return in
}

func newClient(t *testing.T, ins ...string) (*Pool, *http.Client) {
	p, err := NewPool("warehouse", ins, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p, &http.Client{Transport: p.Transport(&http.Transport{Proxy: nil}), Timeout: 5 * time.Second}
}

func post(t *testing.T, c *http.Client, url, body string) string {
	t.Helper()
	resp, err := c.Post(url+"/api/products", "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestPool_spreadsTheCalls(t *testing.T) {
	a, b := newInstance(t), newInstance(t)
	_, c := newClient(t, a.URL, b.URL)
	for range 20 {
		post(t, c, a.URL, "x")
	}
	if a.hits.Load() == 0 || b.hits.Load() == 0 || a.hits.Load()+b.hits.Load() != 20 {
		t.Errorf("got %d and %d calls, want 20 spread over both instances", a.hits.Load(), b.hits.Load())
	}
}

// closedURL is the URL of a port that refuses connections.
func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestPool_refusedInstanceIsTakenOutAndTheCallGoesOn(t *testing.T) {
	b := newInstance(t)
	dead := closedURL(t)
	p, c := newClient(t, dead, b.URL)
	for i := range 10 {
		if got := post(t, c, dead, "body-"+string(rune('a'+i))); got != "body-"+string(rune('a'+i)) {
			t.Fatalf("call %d: got %q: the body did not reach the live instance whole", i, got)
		}
	}
	if b.hits.Load() != 10 {
		t.Errorf("the live instance got %d calls, want 10", b.hits.Load())
	}
	if in := p.Instances(); in[0].Healthy || !in[1].Healthy {
		t.Errorf("instances: got %+v, want the refusing one out", in)
	}
}

func TestPool_probeBringsAnInstanceBack(t *testing.T) {
	a, b := newInstance(t), newInstance(t)
	p, c := newClient(t, a.URL, b.URL)
	p.takeOut(p.members[0])
	a.ready.Store(false)
	p.Probe(t.Context())
	if p.Instances()[0].Healthy {
		t.Fatal("an instance whose /readyz answers 503 came back")
	}
	a.ready.Store(true)
	p.Probe(t.Context())
	if !p.Instances()[0].Healthy {
		t.Fatal("an instance whose /readyz answers 200 stayed out")
	}
	for range 10 {
		post(t, c, a.URL, "x")
	}
	if a.hits.Load() == 0 {
		t.Error("the instance that came back got no call")
	}
}

func TestPool_allRefusedIsAnError(t *testing.T) {
	_, c := newClient(t, closedURL(t), closedURL(t))
	if _, err := c.Get(closedURL(t) + "/api/products"); err == nil {
		t.Error("got an answer from no instance")
	}
}

// TestPool_pinnedRequest: a request pinned to an instance (To) goes to that
// one alone, and is not sent to another when its instance refuses it.
func TestPool_pinnedRequest(t *testing.T) {
	a, b := newInstance(t), newInstance(t)
	dead := closedURL(t)
	_, c := newClient(t, a.URL, b.URL, dead)
	send := func(i int) error {
		req, err := http.NewRequestWithContext(To(t.Context(), i), http.MethodPut, a.URL+"/admin/faults", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	for range 5 {
		if err := send(1); err != nil {
			t.Fatalf("pinned to the second instance: %v", err)
		}
	}
	if a.hits.Load() != 0 || b.hits.Load() != 5 {
		t.Errorf("calls by instance: got %d and %d, want 0 and 5", a.hits.Load(), b.hits.Load())
	}
	if err := send(2); err == nil {
		t.Error("pinned to the instance that refuses connections: got an answer, want the error")
	}
	if err := send(3); err == nil || !strings.Contains(err.Error(), "no instance 3") {
		t.Errorf("pinned to an instance the pool has not: got %v", err)
	}
	if a.hits.Load() != 0 || b.hits.Load() != 5 {
		t.Errorf("after the failed pins: got %d and %d calls, want 0 and 5: a pinned request went elsewhere", a.hits.Load(), b.hits.Load())
	}
}
