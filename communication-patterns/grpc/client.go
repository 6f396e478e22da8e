package grpc

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	grpclib "google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"

	"github.com/microservice-patterns/lab/shared/app"
)

// dial returns the connection of this service's calls to callee, at the
// callee's one port (<CALLEE>_URL; with several instances, gRPC's round_robin
// balancer spreads the calls over all of them and skips one whose connection
// is down): every call gets the service's per-call deadline
// (LAB_HTTP_TIMEOUT, unless the caller's own ends sooner), which gRPC sends
// on as grpc-timeout so that the callee works under it too, and goes through
// every pattern's wrapper of the calls to callee (throughPatterns). The
// connection closes when the service stops.
func dial(d app.Deps, callee string) (*grpclib.ClientConn, error) {
	bases := d.Config.Instances[callee]
	if len(bases) == 0 {
		bases = []string{d.Config.URLs.ByName()[callee]}
	}
	addrs := make([]resolver.Address, 0, len(bases))
	for _, base := range bases {
		u, err := url.Parse(base)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("grpc: %s_URL %q is not a base URL", strings.ToUpper(callee), base)
		}
		addrs = append(addrs, resolver.Address{Addr: u.Host})
	}
	// The instances are known when the service starts: a resolver of this
	// connection alone answers them, and the service config picks the balancer.
	instances := manual.NewBuilderWithScheme("lab")
	instances.InitialState(resolver.State{Addresses: addrs})
	rt := d.WrapCalls(callee, invoke{})
	opts := []grpclib.DialOption{grpclib.WithTransportCredentials(insecure.NewCredentials()),
		grpclib.WithResolvers(instances), grpclib.WithDefaultServiceConfig(`{"loadBalancingConfig": [{"round_robin": {}}]}`),
		grpclib.WithConnectParams(grpclib.ConnectParams{MinConnectTimeout: 5 * time.Second,
			Backoff: backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: reconnectMax}}),
		grpclib.WithUnaryInterceptor(throughPatterns(callee, rt, d.Config.HTTPTimeout))}
	client, _ := d.RPCStats()
	for _, h := range client {
		opts = append(opts, grpclib.WithStatsHandler(h))
	}
	cc, err := grpclib.NewClient(instances.Scheme()+":///"+callee, opts...)
	if err != nil {
		return nil, fmt.Errorf("grpc: connect to %s: %w", callee, err)
	}
	d.OnClose(func() { _ = cc.Close() })
	return cc, nil
}

// reconnectMax caps the wait between two attempts to reconnect to a callee
// that went away (gRPC's default is two minutes): while a connection is down,
// a call fails at once with Unavailable, so a callee that is back is called
// again within this time.
const reconnectMax = time.Second
