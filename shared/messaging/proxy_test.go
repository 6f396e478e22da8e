package messaging_test

import (
	"net/url"
	"strings"
	"testing"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// proxy is a TCP proxy in front of the broker that a test can cut and restore,
// or slow down with toxics.
type proxy struct {
	p   *toxiproxy.Proxy
	url string // the broker's URL through the proxy
}

// newProxy starts a proxy on a free loopback port in front of the broker.
func newProxy(tb testing.TB, brokerURL string) *proxy {
	tb.Helper()
	u, err := url.Parse(brokerURL)
	must(tb, err)
	upstream := u.Host
	if u.Port() == "" {
		upstream += ":5672"
	}
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	p := toxiproxy.NewProxy(server, "amqp-"+randomHex(4), "127.0.0.1:0", upstream)
	must(tb, p.Start())
	tb.Cleanup(p.Stop)
	u.Host = p.Listen
	return &proxy{p: p, url: u.String()}
}

// cut closes every connection through the proxy and refuses new ones.
func (p *proxy) cut() { p.p.Stop() }

// restore accepts connections again, on the same port.
func (p *proxy) restore(tb testing.TB) {
	tb.Helper()
	must(tb, p.p.Start())
}

// addToxic adds a toxic given as toxiproxy's JSON.
func (p *proxy) addToxic(tb testing.TB, toxic string) {
	tb.Helper()
	_, err := p.p.Toxics.AddToxicJson(strings.NewReader(toxic))
	must(tb, err)
}
