package gateway

import (
	"path"
	"strings"
	"testing"
)

// FuzzPublic checks the gateway's path guard: a path it lets out never reaches
// an /internal/ or /admin/ path of a service, however it is cleaned, and the
// guard never panics. The seeds run in go test; `go test -fuzz FuzzPublic
// -fuzzminimizetime 10s ./shared/gateway` explores further.
func FuzzPublic(f *testing.F) {
	for _, seed := range []string{
		"/api/orders", "/api/orders/internal", "/internal/reservations", "/api/../internal/reservations",
		"/api/orders/./x", "/api/orders/%2e%2e/internal", "/API/Orders/INTERNAL/x", "/admin/faults",
		"//internal//x", "/api/orders/..;/internal", "/api/orders/\x00", "/api/orders/%2Finternal",
		"/api/orders/..%2finternal", "/api/orders/a/b/../../../admin", "", "/", "/api/orders/Ädmin",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if !public(p) {
			return
		}
		// p is the decoded path (url.URL.Path); the service routes on it as
		// given, and a server in between might clean it.
		for _, c := range []string{p, path.Clean("/" + p)} {
			for _, seg := range strings.Split(c, "/") {
				if strings.EqualFold(seg, "internal") || strings.EqualFold(seg, "admin") {
					t.Fatalf("public(%q) is true, but %q has the segment %q", p, c, seg)
				}
			}
		}
	})
}
