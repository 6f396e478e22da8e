package acceptance

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// OrderVersionHeader carries, on the answers of a write side whose reads come
// from a read model (a CQRS base), the order's version after the request.
const OrderVersionHeader = "X-Order-Version"

// versions are the versions of orders the write side told the suite of, and
// those the read model has been seen to show: the read model never moves
// backwards, so an order seen at a version needs no second look until the
// write side tells of a newer one.
type versions struct {
	mu    sync.Mutex
	known map[string]int // by order: the latest version a write answered
	seen  map[string]int // by order: the latest version a read showed
}

func newVersions() *versions { return &versions{known: map[string]int{}, seen: map[string]int{}} }

// transport records the version of every answer that carries one.
func (v *versions) transport(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err != nil {
			return resp, err
		}
		if n, convErr := strconv.Atoi(resp.Header.Get(OrderVersionHeader)); convErr == nil {
			if id := orderOf(req.URL.Path, resp.Header.Get("Location")); id != "" {
				v.mu.Lock()
				v.known[id] = max(v.known[id], n)
				v.mu.Unlock()
			}
		}
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// orderOf names the order a request is about: /api/orders/{orderId}…, or the
// Location of an order just created.
func orderOf(path, location string) string {
	for _, p := range []string{path, location} {
		if rest, ok := strings.CutPrefix(p, "/api/orders/"); ok && rest != "" {
			id, _, _ := strings.Cut(rest, "/")
			return id
		}
	}
	return ""
}

// behind lists the orders whose version the read model has not been seen to
// show; ids, when given, limit the list to them.
func (v *versions) behind(ids ...string) map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := map[string]int{}
	for id, n := range v.known {
		if v.seen[id] < n && (len(ids) == 0 || contains(ids, id)) {
			out[id] = n
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Fresh waits, when the variant's reads are eventually consistent
// (Options.EventualReads), until the read model shows every write the suite
// made (of the orders named, or of all), as far as the write side's answers
// told their versions: a read after it sees them, as on any other variant.
func (s *Suite) Fresh(ids ...string) {
	s.t.Helper()
	if !s.opts.EventualReads {
		return
	}
	for id, want := range s.versions.behind(ids...) {
		Eventually(s.t, s.opts.Timeout, "the read model to show order "+id+" at version "+strconv.Itoa(want), func() bool {
			r := s.api.Do(http.MethodGet, "/api/orders/"+id, "", false)
			var got struct {
				Version int `json:"version"`
			}
			if r.Status != http.StatusOK || json.Unmarshal(r.Body, &got) != nil || got.Version < want {
				return false
			}
			s.versions.mu.Lock()
			s.versions.seen[id] = max(s.versions.seen[id], got.Version)
			s.versions.mu.Unlock()
			return true
		})
	}
}
