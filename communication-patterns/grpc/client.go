package grpc

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	grpclib "google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/microservice-patterns/lab/shared/app"
)

// dial returns the connection of this service's calls to callee, at the
// callee's one port (<CALLEE>_URL): every call gets the service's per-call
// deadline (LAB_HTTP_TIMEOUT, unless the caller's own ends sooner), which
// gRPC sends on as grpc-timeout so that the callee works under it too, and
// goes through every pattern's wrapper of the calls to callee (throughPatterns).
// The connection closes when the service stops.
func dial(d app.Deps, callee string) (*grpclib.ClientConn, error) {
	base := d.Config.URLs.ByName()[callee]
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("grpc: %s_URL %q is not a base URL", strings.ToUpper(callee), base)
	}
	rt := d.WrapCalls(callee, invoke{})
	opts := []grpclib.DialOption{grpclib.WithTransportCredentials(insecure.NewCredentials()),
		grpclib.WithConnectParams(grpclib.ConnectParams{MinConnectTimeout: 5 * time.Second,
			Backoff: backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: reconnectMax}}),
		grpclib.WithUnaryInterceptor(throughPatterns(callee, rt, d.Config.HTTPTimeout))}
	client, _ := d.RPCStats()
	for _, h := range client {
		opts = append(opts, grpclib.WithStatsHandler(h))
	}
	cc, err := grpclib.NewClient("passthrough:///"+u.Host, opts...)
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
