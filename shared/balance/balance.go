// Package balance spreads the calls to one service over its instances: the
// gateway's calls and those of one service to another. A Pool picks, for each
// request, the healthy instance with the fewest requests in flight (round robin
// among equals). An instance that refuses connections is taken out; while it is
// out the pool asks its /readyz now and then, and puts it back once it answers
// 200. A request that could not reach an instance — the connection was refused,
// so nothing was sent — goes to the next one; a GET or HEAD whose instance went
// away mid-answer is sent again too, since reading twice changes nothing, and
// so is a request none of whose body was sent.
package balance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Defaults of a Pool.
const (
	// ProbeEvery is how often an instance that is out is asked its /readyz.
	ProbeEvery = 250 * time.Millisecond
	// ProbeTimeout bounds one such probe.
	ProbeTimeout = time.Second
)

// Instance is what a pool knows of one instance, for /api/lab/info.
type Instance struct {
	URL     string `json:"url"`
	Healthy bool   `json:"healthy"`
	// InFlight counts the requests the pool has sent it and not yet seen answered.
	InFlight int64 `json:"inFlight"`
}

// Pool balances the calls to one service over its instances.
type Pool struct {
	service string
	members []*member
	next    atomic.Uint64
	probe   *http.Client
	now     func() time.Time
}

type member struct {
	url      *url.URL
	inFlight atomic.Int64
	out      atomic.Bool  // taken out: it refused a connection, and no probe has answered since
	probing  atomic.Bool  // a probe runs now
	probed   atomic.Int64 // when the last probe started (unix nanoseconds)
}

// NewPool returns the pool of service's instances at urls (absolute http(s)
// URLs); probes go through probe (nil: a transport of its own).
func NewPool(service string, urls []string, probe http.RoundTripper) (*Pool, error) {
	if len(urls) == 0 {
		return nil, fmt.Errorf("balance: %s has no instance", service)
	}
	if probe == nil {
		probe = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4}
	}
	p := &Pool{service: service, probe: &http.Client{Transport: probe, Timeout: ProbeTimeout}, now: time.Now}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("balance: an instance of %s must have an absolute http(s) URL, got %q", service, raw)
		}
		p.members = append(p.members, &member{url: u})
	}
	return p, nil
}

// Service names the service the pool balances.
func (p *Pool) Service() string { return p.service }

// Instances reports every instance and whether the pool sends it requests.
func (p *Pool) Instances() []Instance {
	out := make([]Instance, len(p.members))
	for i, m := range p.members {
		out[i] = Instance{URL: m.url.String(), Healthy: !m.out.Load(), InFlight: m.inFlight.Load()}
	}
	return out
}

// Transport returns a transport that sends each request to one of the pool's
// instances through next: the request's scheme and host are replaced by the
// instance's (its path is kept).
func (p *Pool) Transport(next http.RoundTripper) http.RoundTripper {
	return &transport{pool: p, next: next}
}

type transport struct {
	pool *Pool
	next http.RoundTripper
}

// RoundTrip tries the instances in the pool's order of preference until one
// answers, or the request cannot be sent again. A request pinned to an
// instance (To) goes to that one alone.
func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	order := t.pool.order()
	if i, ok := r.Context().Value(pinKey{}).(int); ok {
		if i < 0 || i >= len(t.pool.members) {
			return nil, fmt.Errorf("balance: %s has no instance %d", t.pool.service, i)
		}
		order = []*member{t.pool.members[i]}
	}
	body := &heldBody{rc: r.Body}
	if r.Body == nil || r.Body == http.NoBody {
		body = nil
	}
	var lastErr error
	for i, m := range order {
		out := r.Clone(r.Context())
		out.URL.Scheme, out.URL.Host = m.url.Scheme, m.url.Host
		out.Host = ""
		var try *attemptBody
		if body != nil {
			try = &attemptBody{b: body}
			out.Body = try
		}
		m.inFlight.Add(1)
		resp, err := t.next.RoundTrip(out)
		if err == nil {
			try.keep()
			resp.Body = &countedBody{ReadCloser: resp.Body, m: m}
			return resp, nil
		}
		m.inFlight.Add(-1)
		lastErr = err
		refused := isRefused(err)
		if refused {
			t.pool.takeOut(m)
		}
		if r.Context().Err() != nil || i == len(order)-1 || !t.again(r, body, refused) {
			break
		}
	}
	body.close()
	return nil, lastErr
}

type pinKey struct{}

// To pins the requests of ctx to instance i of a pool (its index in the
// pool's URLs, as Instances lists them): for a call every instance must get,
// such as the setting of an operator's faults.
func To(ctx context.Context, i int) context.Context {
	return context.WithValue(ctx, pinKey{}, i)
}

// again reports whether a request whose attempt failed may go to another
// instance: when the connection was refused, or no byte of its body left
// (an instance acts on a request only once it has read its body), or when it
// is a read. A request without a body that was sent to an instance which
// went away is not sent again: the instance may have acted on it.
func (t *transport) again(r *http.Request, body *heldBody, refused bool) bool {
	if body != nil {
		return !body.read.Load()
	}
	return refused || r.Method == http.MethodGet || r.Method == http.MethodHead
}

// order lists the instances to try: the healthy ones, the one with the fewest
// requests in flight first (round robin breaks ties), then those taken out,
// as a last resort (each is probed, so one that came back returns soon).
func (p *Pool) order() []*member {
	n := len(p.members)
	start := int(p.next.Add(1) % uint64(n))
	healthy := make([]*member, 0, n)
	var out []*member
	for i := range n {
		m := p.members[(start+i)%n]
		if m.out.Load() {
			p.maybeProbe(m)
			out = append(out, m)
			continue
		}
		healthy = append(healthy, m)
	}
	if len(healthy) > 1 {
		best := 0
		for i, m := range healthy {
			if m.inFlight.Load() < healthy[best].inFlight.Load() {
				best = i
			}
		}
		healthy[0], healthy[best] = healthy[best], healthy[0]
	}
	return append(healthy, out...)
}

// takeOut stops sending m requests until a probe finds it ready.
func (p *Pool) takeOut(m *member) {
	if m.out.CompareAndSwap(false, true) {
		m.probed.Store(p.now().UnixNano())
	}
}

// maybeProbe asks m's /readyz in the background, at most every ProbeEvery,
// and puts m back when it answers 200.
func (p *Pool) maybeProbe(m *member) {
	last := time.Unix(0, m.probed.Load())
	if p.now().Sub(last) < ProbeEvery || !m.probing.CompareAndSwap(false, true) {
		return
	}
	m.probed.Store(p.now().UnixNano())
	go func() {
		defer m.probing.Store(false)
		if p.ready(m) {
			m.out.Store(false)
		}
	}()
}

// Probe asks every instance that is out its /readyz now and waits for the
// answers; the gateway calls it before it reports the instances' health.
func (p *Pool) Probe(ctx context.Context) {
	var wg sync.WaitGroup
	for _, m := range p.members {
		if !m.out.Load() {
			continue
		}
		wg.Go(func() {
			if p.readyCtx(ctx, m) {
				m.out.Store(false)
			}
		})
	}
	wg.Wait()
}

func (p *Pool) ready(m *member) bool { return p.readyCtx(context.Background(), m) }

func (p *Pool) readyCtx(ctx context.Context, m *member) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(m.url.String(), "/")+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := p.probe.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode == http.StatusOK
}

// isRefused reports whether err says the instance could not be reached at
// all: the connection was refused (or reset before anything was sent), so the
// request never arrived.
func isRefused(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// heldBody lets several attempts share one request body: the transport
// closes the body it was given, even after a refused connection, so each
// attempt gets a wrapper (attemptBody) and the real body is closed once: by
// the transport of the attempt that got an answer, or when every attempt
// failed. It remembers whether a byte was read, after which the request may
// not be sent again.
type heldBody struct {
	rc     io.ReadCloser
	read   atomic.Bool
	closed sync.Once
}

func (b *heldBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.read.Store(true)
	}
	return n, err
}

func (b *heldBody) close() {
	if b != nil {
		b.closed.Do(func() { _ = b.rc.Close() })
	}
}

// attemptBody is the body of one attempt: its Close closes the real body only
// once the attempt is kept (it got an answer).
type attemptBody struct {
	b      *heldBody
	mu     sync.Mutex
	kept   bool
	closed bool
}

func (a *attemptBody) Read(p []byte) (int, error) { return a.b.Read(p) }

func (a *attemptBody) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	if a.kept {
		a.b.close()
	}
	return nil
}

// keep marks the attempt as the one that answered: the transport's close of
// its body (done already, or to come) closes the real body.
func (a *attemptBody) keep() {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.kept = true
	if a.closed {
		a.b.close()
	}
}

// countedBody counts the request as in flight until its answer is read.
type countedBody struct {
	io.ReadCloser
	m    *member
	once sync.Once
}

func (b *countedBody) Close() error {
	b.once.Do(func() { b.m.inFlight.Add(-1) })
	return b.ReadCloser.Close()
}
