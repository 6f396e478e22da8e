package auth

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
)

// Source gives the token for one call of a service (or of the gateway) to callee.
type Source func(ctx context.Context) (string, error)

// Outbound is how a security pattern sends a service's calls: the token
// source for each callee, and the pattern's state for the lab panel.
type Outbound struct {
	For   func(callee string) Source
	State func() app.Table
}

// Extend builds a security pattern's extension of one service or of the
// gateway: inbound, the gateway's BFF or the service's guard; outbound, the
// pattern's own choice of token (out, given the settings).
func Extend(s app.Scope, out func(s app.Scope, settings Settings) Outbound) (*app.Extension, error) {
	settings, err := LoadSettings(s.Env)
	if err != nil {
		return nil, err
	}
	var inbound gin.HandlerFunc
	seen := &Seen{}
	if s.Service == "gateway" {
		b := NewBFF(settings, config.NewReader(s.Env).String("GATEWAY_PUBLIC_URL", ""))
		b.Seen = seen
		inbound = b.Middleware
	} else {
		cfg, err := config.LoadService(s.Service, s.Variant, s.Env)
		if err != nil {
			return nil, err
		}
		g := NewGuard(s.Service, cfg.URLs.ByName()[s.Service], settings)
		g.Seen = seen
		inbound = g.Middleware
	}
	o := out(s, settings)
	return &app.Extension{
		Auth: []gin.HandlerFunc{inbound},
		Call: func(callee string, next http.RoundTripper) http.RoundTripper { return Authorize(next, o.For(callee)) },
		// The pattern's own state, and the token this process received last on an order's way.
		State: func() app.Table {
			var own app.Table
			if o.State != nil {
				own = o.State()
			}
			return seen.Table(own)
		},
	}, nil
}

// NewPattern is one of the security patterns: its outbound wrapper (how a
// service's calls carry a token), the policy of the auth process it starts,
// and the login of the acceptance suite's clients.
func NewPattern(name, description string, out func(s app.Scope, settings Settings) Outbound, policy Policy) *app.Pattern {
	return &app.Pattern{Name: name, Category: "security", Description: description, Fits: app.FitsSyncCalls,
		Extend:    func(s app.Scope) (*app.Extension, error) { return Extend(s, out) },
		Processes: []app.Process{Process(policy)}, Login: Login}
}
