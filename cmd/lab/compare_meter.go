package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/messaging"
)

// meter counts what passes between the services of a running lab, without the
// services knowing: lab compare points every service's URLs of the others at
// an HTTP proxy of its own (the gateway keeps the direct ones), and its
// AMQP_URL at a TCP proxy in front of the broker. Bytes are counted on the
// wire (HTTP/1.1 or AMQP 0-9-1 as sent, headers and framing included).
type meter struct {
	calls     atomic.Int64 // HTTP requests from one service to another
	httpBytes atomic.Int64 // their bytes, both ways
	amqpBytes atomic.Int64 // bytes between the services and the broker, both ways
	events    atomic.Int64 // events published to the variant's exchange (seen by a tap)
	otlpBytes atomic.Int64 // telemetry the processes export over OTLP/HTTP (request bodies)
	otlpURL   string       // the OTLP sink every process exports to, unless the user set an endpoint

	env       map[string]string // what the services are told
	listeners map[string]net.Listener
	closers   []func()
}

// newMeter binds a port for an HTTP proxy in front of each service, and starts
// a TCP proxy in front of the broker at amqpURL. The ports are bound before the
// lab picks its own, so that the two never meet; route starts the HTTP proxies.
func newMeter(amqpURL string) (*meter, error) {
	m := &meter{env: map[string]string{}, listeners: map[string]net.Listener{}}
	for _, name := range config.Services {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			m.close()
			return nil, err
		}
		m.closers = append(m.closers, func() { ln.Close() })
		m.listeners[name] = ln
		m.env[strings.ToUpper(name)+"_URL"] = "http://" + ln.Addr().String()
	}
	u, err := m.amqpProxy(amqpURL)
	if err != nil {
		m.close()
		return nil, err
	}
	m.env["AMQP_URL"] = u
	if err := m.otlpSink(); err != nil {
		m.close()
		return nil, err
	}
	return m, nil
}

// otlpSink serves an OTLP/HTTP receiver that counts and drops what it gets,
// so that an observability pattern's export is measured as it would run.
func (m *meter) otlpSink() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n, _ := io.Copy(io.Discard, r.Body)
			m.otlpBytes.Add(n)
			w.Header().Set("Content-Type", "application/x-protobuf")
		})}
	go func() { _ = srv.Serve(ln) }()
	m.closers = append(m.closers, func() { _ = srv.Close() })
	m.otlpURL = "http://" + ln.Addr().String()
	return nil
}

// route starts the HTTP proxies, each in front of its service; with raw,
// TCP proxies that count the bytes only (a gRPC base's HTTP/2, which an
// HTTP/1.1 proxy would not carry).
func (m *meter) route(services config.URLs, raw bool) error {
	for name, target := range services.ByName() {
		if raw {
			u, err := url.Parse(target)
			if err != nil {
				return err
			}
			m.tcpProxy(m.listeners[name], u.Host, &m.httpBytes)
			continue
		}
		if err := m.httpProxy(m.listeners[name], target); err != nil {
			return err
		}
	}
	return nil
}

// serviceEnv is the environment of one process: the services go through the
// meter, the gateway does not.
func (m *meter) serviceEnv(name string) []string {
	var env []string
	if !ownTelemetryEndpoint() {
		env = append(env, "OTEL_EXPORTER_OTLP_ENDPOINT="+m.otlpURL)
	}
	if name == "gateway" {
		return env
	}
	for k, v := range m.env {
		env = append(env, k+"="+v)
	}
	return env
}

// reset zeroes the counters.
func (m *meter) reset() {
	m.calls.Store(0)
	m.httpBytes.Store(0)
	m.amqpBytes.Store(0)
	m.events.Store(0)
	m.otlpBytes.Store(0)
}

// ownTelemetryEndpoint reports whether the user sends the telemetry somewhere
// of their own: then it goes there, and is not counted.
func ownTelemetryEndpoint() bool {
	for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"} {
		if os.Getenv(k) != "" {
			return true
		}
	}
	return false
}

func (m *meter) close() {
	for _, c := range m.closers {
		c()
	}
}

// httpProxy serves a reverse proxy to target on ln; every request through it
// is one synchronous call. When the target cannot be reached the proxy drops
// the connection, as the target itself would, so callers see what they would
// see without the proxy.
func (m *meter) httpProxy(ln net.Listener, target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	rp := &httputil.ReverseProxy{
		Rewrite:  func(r *httputil.ProxyRequest) { r.SetURL(u) },
		ErrorLog: log.New(io.Discard, "", 0),
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				_ = conn.Close()
				return
			}
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m.calls.Add(1)
			rp.ServeHTTP(w, r)
		})}
	go func() { _ = srv.Serve(countingListener{ln, &m.httpBytes}) }()
	m.closers = append(m.closers, func() { _ = srv.Close() })
	return nil
}

// amqpProxy forwards TCP connections to the broker of amqpURL and answers the
// broker's URL through it.
func (m *meter) amqpProxy(amqpURL string) (string, error) {
	u, err := url.Parse(amqpURL)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("AMQP_URL %q is not a URL", config.MaskURL(amqpURL))
	}
	upstream := u.Host
	if u.Port() == "" {
		upstream = net.JoinHostPort(u.Hostname(), "5672")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	m.tcpProxy(ln, upstream, &m.amqpBytes)
	u.Host = ln.Addr().String()
	return u.String(), nil
}

// tcpProxy forwards the connections ln accepts to upstream, counting their
// bytes both ways in n: the broker's, and a gRPC base's calls (HTTP/2, whose
// calls are streams the meter does not tell apart).
func (m *meter) tcpProxy(ln net.Listener, upstream string, n *atomic.Int64) {
	var wg sync.WaitGroup
	var conns sync.Map
	m.closers = append(m.closers, func() {
		ln.Close()
		conns.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { pipe(c, upstream, &conns, n) })
		}
	})
}

// pipe copies between a service's connection and upstream, counting bytes.
func pipe(c net.Conn, upstream string, conns *sync.Map, n *atomic.Int64) {
	defer c.Close()
	b, err := net.DialTimeout("tcp", upstream, 5*time.Second)
	if err != nil {
		return
	}
	defer b.Close()
	conns.Store(c, true)
	conns.Store(b, true)
	defer conns.Delete(c)
	defer conns.Delete(b)
	// Counting on the service's side counts both ways as the bytes pass.
	counted := countingConn{Conn: c, n: n}
	done := make(chan struct{}, 2)
	forward := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		_ = dst.Close()
		done <- struct{}{}
	}
	go forward(b, counted)
	go forward(counted, b)
	<-done
	<-done
}

// tapEvents counts the events of the variant published from now until ctx ends.
func (m *meter) tapEvents(ctx context.Context, amqpURL string, names messaging.Names) error {
	events, err := messaging.Tap(ctx, amqpURL, names)
	if err != nil {
		return err
	}
	go func() {
		for range events {
			m.events.Add(1)
		}
	}()
	return nil
}

// countingListener counts the bytes of every connection it accepts.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{Conn: c, n: l.n}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.n.Add(int64(n))
	return n, err
}

func (c countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.n.Add(int64(n))
	return n, err
}
