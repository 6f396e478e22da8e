package gateway

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// slowGateway is a gateway with short deadlines in front of the given upstreams.
func slowGateway(t *testing.T, up servers, read, write time.Duration, maxInFlight int) string {
	t.Helper()
	s := mustGatewayConfig(t, config.Gateway{Variant: "rest", UIDist: t.TempDir(), UpstreamTimeout: 5 * time.Second,
		ReadTimeout: read, WriteTimeout: write, MaxInFlight: maxInFlight}, up)
	return strings.TrimPrefix(s.URL, "http://")
}

// dial opens a raw connection to addr and writes head.
func dial(t *testing.T, addr, head string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	return conn
}

// closedWithin reports whether the server closes conn within d, and what it answered.
func closedWithin(conn net.Conn, d time.Duration) (bool, string) {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	b, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false, string(b)
	}
	return true, string(b)
}

const stalledBody = "POST /api/orders HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"

// A body that stops after 1 of 100 bytes is answered 408 and its connection
// closed once the read deadline passes; it never reaches the service.
func TestGateway_stalledBodyIsCut(t *testing.T) {
	var hits atomic.Int64
	up := countingUpstream(t, &hits)
	addr := slowGateway(t, servers{"ordering": up}, 300*time.Millisecond, 5*time.Second, 0)
	conn := dial(t, addr, stalledBody)
	defer conn.Close()
	start := time.Now()
	closed, answer := closedWithin(conn, 3*time.Second)
	if !closed {
		t.Fatalf("the connection was still open after %s", time.Since(start).Round(time.Millisecond))
	}
	if !strings.HasPrefix(answer, "HTTP/1.1 408") || !strings.Contains(answer, httpx.ProblemContentType) {
		t.Errorf("got %q, want a 408 problem", answer)
	}
	if hits.Load() != 0 {
		t.Errorf("the service saw %d requests, want 0", hits.Load())
	}
}

// 300 stalled bodies do not hold descriptors past the deadline.
func TestGateway_stalledBodiesReleaseDescriptors(t *testing.T) {
	addr := slowGateway(t, servers{}, 400*time.Millisecond, 5*time.Second, 0)
	before := openFDs(t)
	const n = 300
	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i] = dial(t, addr, stalledBody)
	}
	var open atomic.Int64
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			if closed, _ := closedWithin(c, 3*time.Second); !closed {
				open.Add(1)
			}
			c.Close()
		})
	}
	wg.Wait()
	if open.Load() > 0 {
		t.Fatalf("%d of %d connections were still open 3 s after a deadline of 400 ms", open.Load(), n)
	}
	deadline := time.Now().Add(2 * time.Second)
	for openFDs(t) > before+10 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if after := openFDs(t); after > before+10 {
		t.Errorf("descriptors: %d before, %d after the connections closed", before, after)
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	return len(es)
}

// A client that stops reading a large answer is cut after the write deadline.
func TestGateway_slowReaderIsCut(t *testing.T) {
	const size = 64 << 20
	big := make([]byte, 1<<20)
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", fmt.Sprint(size))
		for i := 0; i < size/len(big); i++ {
			if _, err := w.Write(big); err != nil {
				return
			}
		}
	}))
	addr := slowGateway(t, servers{"ordering": up}, time.Second, 500*time.Millisecond, 0)
	conn := dial(t, addr, "GET /api/orders HTTP/1.1\r\nHost: lab\r\n\r\n")
	defer conn.Close()
	time.Sleep(1500 * time.Millisecond) // read nothing past the deadline
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _ := io.Copy(io.Discard, conn)
	if n >= size {
		t.Errorf("the client read all %d bytes after stalling past the write deadline", n)
	}
}

// Beyond GATEWAY_MAX_INFLIGHT requests the gateway answers 503 at once.
func TestGateway_maxInFlight(t *testing.T) {
	release := make(chan struct{})
	var entered sync.WaitGroup
	entered.Add(2)
	up := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered.Done()
		<-release
		w.WriteHeader(http.StatusOK)
	}))
	addr := slowGateway(t, servers{"ordering": up}, time.Second, 5*time.Second, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			resp, err := http.Get("http://" + addr + "/api/orders")
			if err == nil {
				resp.Body.Close()
			}
		})
	}
	entered.Wait()
	resp, body := do(t, http.MethodGet, "http://"+addr+"/api/customers", nil)
	p := mustProblem(t, resp, body, http.StatusServiceUnavailable)
	if resp.Header.Get("Retry-After") == "" || !strings.Contains(p.Detail, "2 requests") {
		t.Errorf("got %+v (Retry-After %q), want the limit explained and a Retry-After", p, resp.Header.Get("Retry-After"))
	}
	close(release)
	wg.Wait()
	resp, _ = do(t, http.MethodGet, "http://"+addr+"/api/customers", nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("after the others ended: got %d, want 200", resp.StatusCode)
	}
}

// A 10 MB body is 413 problem+json, with and without Expect: 100-continue, and
// chunked; the service never sees it.
func TestGateway_bodyTooLarge(t *testing.T) {
	var hits atomic.Int64
	up := countingUpstream(t, &hits)
	addr := slowGateway(t, servers{"ordering": up}, 5*time.Second, 10*time.Second, 0)
	const size = 10 << 20
	body := strings.Repeat("x", size)
	for _, tt := range []struct{ name, head string }{
		{"with Expect", fmt.Sprintf("POST /api/orders HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", size)},
		{"without Expect", fmt.Sprintf("POST /api/orders HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", size)},
		{"chunked", "POST /api/orders HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn := dial(t, addr, tt.head)
			defer conn.Close()
			go func() {
				if strings.Contains(tt.head, "Expect") {
					return // a client that asked waits for 100 Continue before sending
				}
				if strings.Contains(tt.head, "chunked") {
					fmt.Fprintf(conn, "%x\r\n%s\r\n0\r\n\r\n", size, body)
					return
				}
				_, _ = io.WriteString(conn, body)
			}()
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			p := mustProblem(t, resp, string(b), http.StatusRequestEntityTooLarge)
			if !strings.Contains(p.Detail, "larger than") {
				t.Errorf("detail %q", p.Detail)
			}
		})
	}
	if hits.Load() != 0 {
		t.Errorf("the service saw %d requests, want 0", hits.Load())
	}
}

// A proxy error names the service only: no address, no Go error chain.
func TestGateway_unreachableNamesTheServiceOnly(t *testing.T) {
	dead := closedURL(t)
	gw := mustGateway(t, servers{"ordering": dead})
	resp, body := do(t, http.MethodGet, gw.URL+"/api/orders", nil)
	p := mustProblem(t, resp, body, http.StatusBadGateway)
	host := strings.TrimPrefix(dead, "http://")
	if p.Detail != "ordering is unreachable" || strings.Contains(body, host) || strings.Contains(body, "dial") {
		t.Errorf("detail %q names more than the service", p.Detail)
	}
}

func countingUpstream(t *testing.T, hits *atomic.Int64) string {
	return httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	}))
}

func httptestServer(t *testing.T, h http.Handler) string {
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}
