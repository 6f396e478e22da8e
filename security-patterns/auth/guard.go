package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/httpx"
)

type tokenKey struct{}

// token is the verified access token a request came with.
type token struct {
	raw    string
	claims *Claims
}

// WithToken returns ctx carrying the verified token raw: the outbound
// wrappers pass it on, or exchange it.
func WithToken(ctx context.Context, raw string, c *Claims) context.Context {
	return context.WithValue(ctx, tokenKey{}, token{raw, c})
}

// TokenFrom returns the verified token of the request ctx belongs to.
func TokenFrom(ctx context.Context) (string, *Claims, bool) {
	t, ok := ctx.Value(tokenKey{}).(token)
	return t.raw, t.claims, ok
}

// Open reports whether a request needs no token (CONTRACT.md): the lab's
// own endpoints, health, the operator routes (never routed by the gateway)
// and reading the catalogue.
func Open(method, path string) bool {
	switch {
	case strings.HasPrefix(path, "/api/lab/") || path == "/api/lab":
		return true
	case strings.HasPrefix(path, "/api/products") && (method == http.MethodGet || method == http.MethodHead):
		return true
	case strings.HasPrefix(path, "/api/"), strings.HasPrefix(path, "/internal/"):
		return false
	}
	return true
}

// Required returns the scopes of which a request needs one (none: any valid token).
func Required(method, path string) []string {
	read := method == http.MethodGet || method == http.MethodHead
	switch {
	case strings.HasPrefix(path, "/internal/reservations"):
		return []string{"reservations:internal"}
	case strings.HasPrefix(path, "/internal/shipments"):
		return []string{"shipments:internal"}
	case strings.HasPrefix(path, "/internal/invoices"):
		return []string{"invoices:internal"}
	case strings.HasPrefix(path, "/internal/"):
		return []string{"no-such-scope"}
	case strings.HasPrefix(path, "/api/customers"):
		return pick(read, "customers:read", "customers:write")
	case strings.HasPrefix(path, "/api/products"):
		return pick(read, "products:read", "products:write")
	case strings.HasPrefix(path, "/api/reservations"):
		return []string{"orders:read", "reservations:internal"}
	case strings.HasPrefix(path, "/api/orders"):
		return pick(read, "orders:read", "orders:write")
	case strings.HasPrefix(path, "/api/shipments"):
		return []string{"shipments:read", "shipments:internal"}
	case strings.HasPrefix(path, "/api/invoices"):
		return []string{"invoices:read", "invoices:internal"}
	}
	return nil
}

func pick(read bool, r, w string) []string {
	if read {
		return []string{r}
	}
	return []string{w}
}

// Unauthorized writes a 401: problem type /problems/unauthorized and
// WWW-Authenticate: Bearer, with error="invalid_token" when a token was sent.
func Unauthorized(c *gin.Context, sent bool, detail string) {
	h := `Bearer realm="lab"`
	if sent {
		h += `, error="invalid_token"`
	}
	c.Header("WWW-Authenticate", h)
	httpx.WriteProblem(c, httpx.NewProblem(http.StatusUnauthorized, detail))
}

// Forbidden writes a 403: problem type /problems/forbidden and
// WWW-Authenticate: Bearer error="insufficient_scope".
func Forbidden(c *gin.Context, detail string, scopes ...string) {
	h := `Bearer realm="lab", error="insufficient_scope"`
	if len(scopes) > 0 {
		h += `, scope="` + strings.Join(scopes, " ") + `"`
	}
	c.Header("WWW-Authenticate", h)
	httpx.WriteProblem(c, httpx.NewProblem(http.StatusForbidden, detail))
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", true
	}
	return strings.TrimSpace(tok), true
}

// Guard is a service's authentication (Extension.Auth): it verifies the
// access token addressed to the service, wants the scope the route needs,
// and keeps a customer to their own records (ownership.go).
type Guard struct {
	verifier *Verifier
	self     string // the service's own base URL: the owner of an order is read there
	http     *http.Client
	// Seen, when set, records the token of the last request of an order.
	Seen *Seen
}

// NewGuard returns the guard of service, which is reached at self.
func NewGuard(service, self string, s Settings) *Guard {
	return &Guard{verifier: NewVerifier(service, s), self: strings.TrimSuffix(self, "/"), http: newRemote(s).http}
}

// Middleware is the guard as gin middleware.
func (g *Guard) Middleware(c *gin.Context) {
	r := c.Request
	if Open(r.Method, r.URL.Path) {
		c.Next()
		return
	}
	raw, sent := bearer(r)
	if raw == "" {
		Unauthorized(c, sent, "an access token is required: send Authorization: Bearer <token>")
		return
	}
	claims, err := g.verifier.Verify(r.Context(), raw)
	if errors.Is(err, ErrUnavailable) {
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusServiceUnavailable, "the identity provider is unreachable, so no token can be verified"))
		return
	}
	if err != nil {
		Unauthorized(c, true, "the access token was refused: "+err.Error())
		return
	}
	if need := Required(r.Method, r.URL.Path); need != nil && !claims.HasScope(need...) {
		Forbidden(c, "the access token lacks the scope "+strings.Join(need, " or "), need...)
		return
	}
	g.Seen.Observe(r, claims)
	c.Request = r.WithContext(WithToken(r.Context(), raw, claims))
	if id := claims.Customer(); id != "" {
		g.own(c, id)
		return
	}
	if !claims.IsAdmin() && len(claims.Roles) > 0 {
		Forbidden(c, "the token's role opens nothing here")
		return
	}
	c.Next()
}

// buffered holds an answer back until the guard has checked whose it is.
type buffered struct {
	gin.ResponseWriter
	status int
	body   bytes.Buffer
}

func (b *buffered) WriteHeader(code int)              { b.status = code }
func (b *buffered) WriteHeaderNow()                   {}
func (b *buffered) Write(p []byte) (int, error)       { return b.body.Write(p) }
func (b *buffered) WriteString(s string) (int, error) { return b.body.WriteString(s) }
func (b *buffered) Status() int                       { return b.status }
func (b *buffered) Written() bool                     { return b.body.Len() > 0 }
func (b *buffered) Size() int                         { return b.body.Len() }

// hold runs the rest of the chain with its answer buffered and returns it.
func hold(c *gin.Context) (status int, body []byte, release func(body []byte)) {
	real := c.Writer
	b := &buffered{ResponseWriter: real, status: http.StatusOK}
	c.Writer = b
	c.Next()
	c.Writer = real
	return b.status, b.body.Bytes(), func(body []byte) {
		real.Header().Del("Content-Length")
		real.WriteHeader(b.status)
		_, _ = real.Write(body)
	}
}

// ownerOf reads the customerId of a JSON object.
func ownerOf(body []byte) string {
	var v struct {
		CustomerID string `json:"customerId"`
	}
	_ = json.Unmarshal(body, &v)
	return v.CustomerID
}

// filterOwned keeps the items of a JSON array whose customerId is id.
func filterOwned(body []byte, id string) ([]byte, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, err
	}
	kept := []json.RawMessage{}
	for _, it := range items {
		if ownerOf(it) == id {
			kept = append(kept, it)
		}
	}
	return json.Marshal(kept)
}

// readBody reads the request body and puts it back for the handler.
func readBody(c *gin.Context) []byte {
	b, _ := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20))
	c.Request.Body = io.NopCloser(bytes.NewReader(b))
	return b
}
