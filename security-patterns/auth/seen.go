package auth

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// SeenColumns are the columns of the token a process received last on an
// order's way (Seen.Table); the lab panel's token inspector reads them.
var SeenColumns = []string{"request", "call", "sub", "aud", "scope", "act", "exp", "jti", "clientId"}

// Seen keeps, for the lab panel, the claims of the token that came with the
// last request of a process that was part of placing an order (Tracked):
// one token everywhere in the relay, one per hop in the exchange.
type Seen struct {
	mu   sync.Mutex
	last *seenToken
}

type seenToken struct {
	request, call string
	claims        Claims
}

var oneCustomer = regexp.MustCompile(`^/api/customers/[^/]+$`)

// Tracked reports whether a request is part of placing an order: a change
// to an order, a call to an internal operation, or a service reading the
// order's customer. Reads of orders are left out, so that a client watching
// its order does not hide the hops of the change it made.
func Tracked(method, path string) bool {
	read := method == http.MethodGet || method == http.MethodHead
	switch {
	case strings.HasPrefix(path, "/internal/"):
		return true
	case path == "/api/orders" || strings.HasPrefix(path, "/api/orders/"):
		return !read
	case read && oneCustomer.MatchString(path):
		return true
	}
	return false
}

// Observe records the verified claims of a request Tracked names.
func (s *Seen) Observe(r *http.Request, c *Claims) {
	if s == nil || c == nil || !Tracked(r.Method, r.URL.Path) {
		return
	}
	t := &seenToken{request: httpx.RequestID(r.Context()), call: r.Method + " " + r.URL.Path, claims: *c}
	s.mu.Lock()
	s.last = t
	s.mu.Unlock()
}

// row is the last token's cells in SeenColumns' order, or nil when none came yet.
func (s *Seen) row() []any {
	s.mu.Lock()
	t := s.last
	s.mu.Unlock()
	if t == nil {
		return nil
	}
	c := t.claims
	exp := ""
	if c.Expiry > 0 {
		exp = time.Unix(c.Expiry, 0).UTC().Format(time.RFC3339)
	}
	return []any{t.request, t.call, c.Subject, strings.Join(c.Audience, " "), c.Scope, actors(c.Act), exp, c.JTI, c.ClientID}
}

// Table adds the last token's columns to a pattern's own state (a table of
// one row, or none): a single row, its cells empty until a token came.
func (s *Seen) Table(own app.Table) app.Table {
	row := s.row()
	if len(own.Rows) == 0 && row == nil {
		return app.Table{Columns: append(append([]string{}, own.Columns...), SeenColumns...), Rows: [][]any{}}
	}
	if row == nil {
		row = make([]any, len(SeenColumns))
	}
	out := app.Table{Columns: append(append([]string{}, own.Columns...), SeenColumns...)}
	first := make([]any, len(own.Columns))
	if len(own.Rows) > 0 {
		copy(first, own.Rows[0])
	}
	out.Rows = [][]any{append(first, row...)}
	for _, r := range own.Rows[min(1, len(own.Rows)):] {
		out.Rows = append(out.Rows, append(append(make([]any, 0, len(out.Columns)), r...), make([]any, len(SeenColumns))...))
	}
	return out
}

// actors writes an act claim (RFC 8693 §4.1) as the chain of actors in the
// order they passed the token on: "gateway → ordering". The claim nests the
// earlier actors inside the current one.
func actors(act map[string]any) string {
	var chain []string
	for depth := 0; act != nil && depth < 16; depth++ {
		sub, _ := act["sub"].(string)
		if sub == "" {
			sub = "?"
		}
		chain = append([]string{sub}, chain...)
		act, _ = act["act"].(map[string]any)
	}
	return strings.Join(chain, " → ")
}
