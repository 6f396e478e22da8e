package app

import (
	"net/http"
	"testing"

	"google.golang.org/grpc/stats"
)

// TestWrapRPC: a base that talks gRPC gets every pattern's wrapper of its
// calls, the first named outermost, except that of a pattern that observes
// gRPC calls itself (Extension.RPC), whose stats handlers it gets instead.
func TestWrapRPC(t *testing.T) {
	var order []string
	wrapper := func(name string) func(string, http.RoundTripper) http.RoundTripper {
		return func(_ string, next http.RoundTripper) http.RoundTripper {
			return roundTrip(func(r *http.Request) (*http.Response, error) {
				order = append(order, name)
				return next.RoundTrip(r)
			})
		}
	}
	observer := func() (client, server stats.Handler) { return nil, nil }
	xs := extensions{{Extension: &Extension{Call: wrapper("first")}}, {Extension: &Extension{Call: wrapper("tracing"), RPC: observer}},
		{Extension: &Extension{Call: wrapper("last")}}}
	inner := roundTrip(func(r *http.Request) (*http.Response, error) {
		order = append(order, "call")
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
	})
	d := Deps{wrap: xs.wrapRPC, rpcStats: xs.rpcStats}
	r, _ := http.NewRequest(http.MethodPost, "http://warehouse/internal/lab.v1.Warehouse/Reserve", http.NoBody)
	if _, err := d.WrapCalls("warehouse", inner).RoundTrip(r); err != nil {
		t.Fatal(err)
	}
	if got := len(order); got != 3 || order[0] != "first" || order[1] != "last" || order[2] != "call" {
		t.Errorf("wrappers run %v, want [first last call]", order)
	}
	if client, server := d.RPCStats(); len(client) != 0 || len(server) != 0 {
		t.Errorf("nil handlers are left out: got %v %v", client, server)
	}
	if (Deps{}).WrapCalls("warehouse", inner) == nil {
		t.Error("WrapCalls outside a service: want next itself")
	}
}
