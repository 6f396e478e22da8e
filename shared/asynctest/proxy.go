package asynctest

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"sync"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// Proxy is a TCP proxy in front of the broker (an embedded toxiproxy): the
// services of a stack whose AMQP_URL is URL lose their broker connections when
// the test cuts it, and get them back when it restores it.
type Proxy struct {
	URL string // the broker's URL through the proxy
	p   *toxiproxy.Proxy
	mu  sync.Mutex
	tb  testing.TB
}

// NewProxy starts a proxy on a free loopback port in front of the broker at
// brokerURL; it stops when the test ends.
func NewProxy(tb testing.TB, brokerURL string) *Proxy {
	tb.Helper()
	u, err := url.Parse(brokerURL)
	if err != nil {
		tb.Fatal(err)
	}
	upstream := u.Host
	if u.Port() == "" {
		upstream += ":5672"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	p := toxiproxy.NewProxy(server, "amqp-"+hex.EncodeToString(b), "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Stop)
	u.Host = p.Listen
	return &Proxy{URL: u.String(), p: p, tb: tb}
}

// Cut closes every connection through the proxy and refuses new ones.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.p.Stop()
}

// Restore accepts connections again, on the same port.
func (p *Proxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.p.Start(); err != nil {
		p.tb.Errorf("restore the broker proxy: %v", err)
	}
}
