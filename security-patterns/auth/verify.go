package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Claims are what a verified access token says.
type Claims struct {
	Issuer     string         `json:"iss"`
	Subject    string         `json:"sub"`
	Audience   audience       `json:"aud"`
	ClientID   string         `json:"client_id"`
	Scope      string         `json:"scope"`
	Roles      []string       `json:"roles"`
	CustomerID string         `json:"customer_id"`
	Act        map[string]any `json:"act"`
	Expiry     int64          `json:"exp"`
	NotBefore  int64          `json:"nbf"`
	JTI        string         `json:"jti"`
}

type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = []string{one}
		return nil
	}
	var many []string
	err := json.Unmarshal(b, &many)
	*a = many
	return err
}

// Scopes lists the token's scopes.
func (c *Claims) Scopes() []string { return strings.Fields(c.Scope) }

// HasScope reports whether the token holds one of the scopes.
func (c *Claims) HasScope(any ...string) bool {
	for _, s := range c.Scopes() {
		for _, want := range any {
			if s == want {
				return true
			}
		}
	}
	return false
}

// IsAdmin and Customer say who the token speaks for: an admin, a customer
// (whose own records alone it opens), or neither — a service's own token.
func (c *Claims) IsAdmin() bool { return hasRole(c.Roles, RoleAdmin) }

// Customer returns the customer id of a customer's token, or "".
func (c *Claims) Customer() string {
	if hasRole(c.Roles, RoleCustomer) && !c.IsAdmin() {
		return c.CustomerID
	}
	return ""
}

func hasRole(roles []string, want string) bool {
	for _, r := range roles {
		if r == want {
			return true
		}
	}
	return false
}

// Verifier verifies the access tokens addressed to one audience: go-oidc
// checks the signature (refetching the JWKS on an unknown kid), the issuer,
// the audience and the expiry; Verify adds what go-oidc leaves out — the JOSE
// header's typ, so that an ID token is no access token, and not-before with
// a short leeway instead of go-oidc's five minutes.
type Verifier struct {
	audience string
	verifier func(ctx context.Context) (*oidc.IDTokenVerifier, error)
	now      func() time.Time
}

// NewVerifier returns the verifier of tokens addressed to audience, from the
// provider of s: go-oidc's verifier is made once the provider is found, and
// kept (with it the key set, which refetches the JWKS on an unknown kid).
func NewVerifier(audience string, s Settings) *Verifier {
	r := newRemote(s)
	var mu sync.Mutex
	var made *oidc.IDTokenVerifier
	return &Verifier{audience: audience, now: time.Now, verifier: func(ctx context.Context) (*oidc.IDTokenVerifier, error) {
		mu.Lock()
		defer mu.Unlock()
		if made != nil {
			return made, nil
		}
		p, _, err := r.get(ctx)
		if err != nil {
			return nil, err
		}
		made = p.Verifier(&oidc.Config{ClientID: audience, SupportedSigningAlgs: []string{oidc.RS256}})
		return made, nil
	}}
}

// notBeforeLeeway is how far a token's nbf may be ahead of this clock.
const notBeforeLeeway = 5 * time.Second

// ErrUnavailable says that the provider could not be reached to verify a token.
var ErrUnavailable = errors.New("the identity provider is unreachable")

// Verify checks raw and returns its claims.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	if err := checkHeader(raw); err != nil {
		return nil, err
	}
	iv, err := v.verifier(ctx)
	if err != nil {
		return nil, errors.Join(ErrUnavailable, err)
	}
	tok, err := iv.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	var c Claims
	if err := tok.Claims(&c); err != nil {
		return nil, err
	}
	if c.NotBefore == 0 || time.Unix(c.NotBefore, 0).After(v.now().Add(notBeforeLeeway)) {
		return nil, errors.New("the token is not valid yet")
	}
	return &c, nil
}

// checkHeader parses the JOSE header of a compact JWS and wants an access
// token of RFC 9068 signed with RS256.
func checkHeader(raw string) error {
	head, _, ok := strings.Cut(raw, ".")
	if !ok || strings.Count(raw, ".") != 2 {
		return errors.New("the token is not a compact JWS")
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return fmt.Errorf("the token's header is not base64url: %w", err)
	}
	var h struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return fmt.Errorf("the token's header is not JSON: %w", err)
	}
	if h.Alg != oidc.RS256 {
		return fmt.Errorf("the token is signed with %q, not RS256", h.Alg)
	}
	if t := strings.ToLower(h.Typ); t != AccessTokenType && t != "application/"+AccessTokenType {
		return fmt.Errorf("the token's typ is %q, not %s: it is no access token", h.Typ, AccessTokenType)
	}
	return nil
}
