package gateway

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkProxy reads one product through the gateway from a fake
// warehouse, many clients at once: the gateway's own cost per proxied
// request (`-cpuprofile` shows where it goes; lab bench-gateway compares it
// with a bare reverse proxy and nginx as processes).
func BenchmarkProxy(b *testing.B) {
	gw := mustGateway(b, servers{})
	client := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}}
	url := gw.URL + "/api/products/22222222-2222-4222-8222-000000000001"
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}
