package auth

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// CallsPath is where the provider answers how many requests it has served
// (GET, on the auth process's own port: the gateway routes nothing there).
// lab compare reads it before and after its workload.
const CallsPath = "/admin/calls"

// Call is one kind of request the provider serves: an endpoint and, at the
// token endpoint, the grant type and the client that asked.
type Call struct {
	Endpoint string `json:"endpoint"`        // discovery, keys, token, introspection, userinfo, revocation, end_session, authorize, login
	Grant    string `json:"grant,omitempty"` // at the token endpoint: authorization_code, refresh_token, client_credentials, token-exchange
	Client   string `json:"client,omitempty"`
}

// Login reports whether the call is a step of a user's login rather than a
// call of the lab's processes: the authorization endpoint and the login page
// (a browser's steps), and the tokens of the public cli client (`bin/lab
// token`, the load generators' logins).
func (c Call) Login() bool {
	return c.Endpoint == "authorize" || c.Endpoint == "login" || c.Client == "cli"
}

// Label names the call as a report shows it: "keys", "token-exchange" …
func (c Call) Label() string {
	if c.Grant != "" {
		return c.Grant
	}
	return c.Endpoint
}

// CallCount is how many calls of one kind the provider served.
type CallCount struct {
	Call
	Count int64 `json:"count"`
}

// CallCounts are the provider's counts, as CallsPath answers them.
type CallCounts struct {
	Calls []CallCount `json:"calls"`
}

// Since returns the counts of c minus those of before (an earlier reading).
func (c CallCounts) Since(before CallCounts) CallCounts {
	was := map[Call]int64{}
	for _, b := range before.Calls {
		was[b.Call] = b.Count
	}
	var out CallCounts
	for _, n := range c.Calls {
		if d := n.Count - was[n.Call]; d > 0 {
			out.Calls = append(out.Calls, CallCount{n.Call, d})
		}
	}
	return out
}

// Total is the number of calls that keep says to count.
func (c CallCounts) Total(keep func(Call) bool) int64 {
	var n int64
	for _, x := range c.Calls {
		if keep(x.Call) {
			n += x.Count
		}
	}
	return n
}

// ByLabel sums the calls keep says to count by their label.
func (c CallCounts) ByLabel(keep func(Call) bool) map[string]int64 {
	out := map[string]int64{}
	for _, x := range c.Calls {
		if keep(x.Call) {
			out[x.Label()] += x.Count
		}
	}
	return out
}

// ReadCalls reads the counts of the provider at base (the auth process's URL).
func ReadCalls(ctx context.Context, hc *http.Client, base string) (CallCounts, error) {
	var out CallCounts
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+CallsPath, nil)
	if err != nil {
		return out, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return out, fmt.Errorf("read the identity provider's calls: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return out, fmt.Errorf("read the identity provider's calls: %s", resp.Status)
	}
	return out, json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out)
}

// callCounter counts the requests the provider serves, in memory, from its start.
type callCounter struct {
	endpoints map[string]string // path → endpoint
	mu        sync.Mutex
	n         map[Call]int64
}

func newCallCounter() *callCounter {
	e := op.DefaultEndpoints
	return &callCounter{n: map[Call]int64{}, endpoints: map[string]string{
		oidc.DiscoveryEndpoint:                   "discovery",
		e.JwksURI.Relative():                     "keys",
		e.Token.Relative():                       "token",
		e.Introspection.Relative():               "introspection",
		e.Userinfo.Relative():                    "userinfo",
		e.Revocation.Relative():                  "revocation",
		e.EndSession.Relative():                  "end_session",
		e.Authorization.Relative():               "authorize",
		e.Authorization.Relative() + "/callback": "authorize",
		"/login":                                 "login",
	}}
}

// Middleware counts each request to an endpoint of the provider; health,
// the admin routes and unknown paths are not counted.
func (k *callCounter) Middleware(c *gin.Context) {
	endpoint, ok := k.endpoints[c.Request.URL.Path]
	if !ok {
		c.Next()
		return
	}
	call := Call{Endpoint: endpoint}
	if endpoint == "token" {
		call.Grant, call.Client = tokenRequest(c.Request)
	}
	k.mu.Lock()
	k.n[call]++
	k.mu.Unlock()
	c.Next()
}

// tokenRequest reads the grant type and the client of a token request and
// leaves its body as it was for op.
func tokenRequest(r *http.Request) (grant, client string) {
	head, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
	form, _ := url.ParseQuery(string(head))
	grant = form.Get("grant_type")
	if grant == string(oidc.GrantTypeTokenExchange) {
		grant = "token-exchange"
	}
	if grant == "" {
		grant = "none"
	}
	client = form.Get("client_id")
	if id, _, ok := r.BasicAuth(); ok {
		if unescaped, err := url.QueryUnescape(id); err == nil {
			id = unescaped
		}
		client = id
	}
	return grant, client
}

// counts answers CallsPath.
func (k *callCounter) counts(c *gin.Context) {
	k.mu.Lock()
	out := CallCounts{Calls: []CallCount{}}
	for call, n := range k.n {
		out.Calls = append(out.Calls, CallCount{call, n})
	}
	k.mu.Unlock()
	slices.SortFunc(out.Calls, func(a, b CallCount) int {
		return cmp.Or(cmp.Compare(a.Endpoint, b.Endpoint), cmp.Compare(a.Grant, b.Grant), cmp.Compare(a.Client, b.Client))
	})
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}
