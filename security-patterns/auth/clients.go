package auth

import (
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Policy is what a security pattern asks of the provider for users' tokens.
type Policy struct {
	// UserAudience is the audience of a user's tokens (those of the gateway
	// and cli clients); empty means the gateway alone.
	UserAudience []string
	// UserInternal gives users' tokens the internal operations' scopes too.
	UserInternal bool
}

func (p Policy) userAudience() []string {
	if len(p.UserAudience) == 0 {
		return []string{"gateway"}
	}
	return p.UserAudience
}

// client is a client of the provider (op.Client).
type client struct {
	id, secret   string
	redirects    []string
	postLogout   []string
	grants       []oidc.GrantType
	public       bool
	loopbackOnly bool     // cli: any loopback port (RFC 8252)
	globs        []string // redirect URIs by pattern: the gateway on any loopback port
	logoutGlobs  []string
}

func (c *client) RedirectURIGlobs() []string           { return c.globs }
func (c *client) PostLogoutRedirectURIGlobs() []string { return c.logoutGlobs }

// directoryClients are the clients of CONTRACT.md: gateway (confidential;
// code + PKCE, refresh), cli (public; code + PKCE, loopback redirect) and one
// per service (confidential; client credentials and token exchange).
func directoryClients(s Settings) map[string]*client {
	out := map[string]*client{
		"gateway": {id: "gateway", secret: s.ClientSecret("gateway"),
			grants: []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeTokenExchange}},
		"cli": {id: "cli", public: true, loopbackOnly: true, grants: []oidc.GrantType{oidc.GrantTypeCode}},
	}
	for _, svc := range Services {
		out[svc] = &client{id: svc, secret: s.ClientSecret(svc),
			grants: []oidc.GrantType{oidc.GrantTypeClientCredentials, oidc.GrantTypeTokenExchange}}
	}
	return out
}

// allowRedirects lets the gateway's redirect and post-logout URIs be set
// from its public URL (GATEWAY_PUBLIC_URL, by default its listen address).
func (c *client) allowRedirects(redirects, postLogout []string) {
	c.redirects, c.postLogout = redirects, postLogout
}

func (c *client) GetID() string                    { return c.id }
func (c *client) RedirectURIs() []string           { return c.redirects }
func (c *client) PostLogoutRedirectURIs() []string { return c.postLogout }
func (c *client) ApplicationType() op.ApplicationType {
	if c.public {
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}
func (c *client) AuthMethod() oidc.AuthMethod {
	if c.public {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType        { return c.grants }
func (c *client) LoginURL(id string) string           { return "/login?authRequestID=" + id }
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }
func (c *client) IDTokenLifetime() time.Duration      { return 10 * time.Minute }
func (c *client) DevMode() bool                       { return false }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) IsScopeAllowed(scope string) bool {
	return slices.Contains(PublicScopes, scope) || slices.Contains(InternalScopes, scope)
}
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
