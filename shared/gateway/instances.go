package gateway

import (
	"context"
	"net/http"
	"net/url"
	"sync"

	"github.com/microservice-patterns/lab/shared/balance"
	"github.com/microservice-patterns/lab/shared/config"
)

// InstanceHealth is what the gateway saw of one instance of a service: its
// /readyz, asked now, and whether the balancer has taken it out.
type InstanceHealth struct {
	URL     string `json:"url"`
	Healthy bool   `json:"healthy"`
	// Out: the balancer sends it no request (it refused a connection, and no
	// probe has found it ready since).
	Out bool `json:"out,omitempty"`
}

// newPools makes a balancing pool for every service with more than one
// instance (config.Gateway.Instances); the first instance of each is the
// service's URL. It returns the instances by service, each service's URL alone
// when the configuration lists none.
func newPools(cfg map[string][]string, services map[string]*url.URL, t http.RoundTripper) (map[string][]string, map[string]*balance.Pool, error) {
	instances, pools := map[string][]string{}, map[string]*balance.Pool{}
	for _, name := range config.Services {
		urls := cfg[name]
		if len(urls) == 0 {
			urls = []string{services[name].String()}
		}
		instances[name] = urls
		if len(urls) < 2 {
			continue
		}
		p, err := balance.NewPool(name, urls, t)
		if err != nil {
			return nil, nil, err
		}
		pools[name] = p
	}
	return instances, pools, nil
}

// instanceHealth asks every instance of every service its /readyz,
// concurrently. It also answers each service's health: that of its first
// ready instance (the first instance's when none is ready), since the
// balancer serves the service as long as one is.
func (g *gateway) instanceHealth(ctx context.Context) (map[string][]InstanceHealth, map[string]ServiceHealth) {
	out := map[string][]InstanceHealth{}
	checks := map[string][]ServiceHealth{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range config.Services {
		urls := g.instances[name]
		list := make([]InstanceHealth, len(urls))
		seen := make([]ServiceHealth, len(urls))
		out[name], checks[name] = list, seen
		var outs []balance.Instance
		if p := g.pools[name]; p != nil {
			p.Probe(ctx)
			outs = p.Instances()
		}
		for i, raw := range urls {
			u, err := url.Parse(raw)
			if err != nil {
				continue
			}
			wg.Go(func() {
				h := g.checkURL(ctx, name, u)
				mu.Lock()
				defer mu.Unlock()
				list[i] = InstanceHealth{URL: raw, Healthy: h.Healthy, Out: i < len(outs) && !outs[i].Healthy}
				seen[i] = h
			})
		}
	}
	wg.Wait()
	services := map[string]ServiceHealth{}
	for name, seen := range checks {
		services[name] = seen[0]
		for _, h := range seen {
			if h.Healthy {
				services[name] = h
				break
			}
		}
	}
	return out, services
}
