package auth

import (
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// authRequest is a pending authorization request (op.AuthRequest).
type authRequest struct {
	id       string
	req      oidc.AuthRequest
	created  time.Time
	audience []string
	subject  string
	scopes   []string // set at login: those asked for that the user may hold
	done     bool
	authTime time.Time
}

func (a *authRequest) GetID() string         { return a.id }
func (a *authRequest) GetACR() string        { return "" }
func (a *authRequest) GetAMR() []string      { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string { return a.audience }
func (a *authRequest) GetAuthTime() time.Time {
	return a.authTime
}
func (a *authRequest) GetClientID() string { return a.req.ClientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	return &oidc.CodeChallenge{Challenge: a.req.CodeChallenge, Method: a.req.CodeChallengeMethod}
}
func (a *authRequest) GetNonce() string                   { return a.req.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.req.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.req.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.req.ResponseMode }
func (a *authRequest) GetScopes() []string {
	if a.done {
		return a.scopes
	}
	return a.req.Scopes
}
func (a *authRequest) GetState() string   { return a.req.State }
func (a *authRequest) GetSubject() string { return a.subject }
func (a *authRequest) Done() bool         { return a.done }

// refreshRequest is a refresh token being redeemed (op.RefreshTokenRequest).
type refreshRequest struct{ g refreshGrant }

func (r *refreshRequest) GetAMR() []string            { return []string{"pwd"} }
func (r *refreshRequest) GetAudience() []string       { return r.g.audience }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.g.authTime }
func (r *refreshRequest) GetClientID() string         { return r.g.clientID }
func (r *refreshRequest) GetScopes() []string         { return r.g.scopes }
func (r *refreshRequest) GetSubject() string          { return r.g.subject }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.g.scopes = s }

// serviceRequest is a service's client-credentials request (op.TokenRequest).
type serviceRequest struct {
	clientID         string
	scopes, audience []string
}

func (r *serviceRequest) GetSubject() string    { return r.clientID }
func (r *serviceRequest) GetAudience() []string { return r.audience }
func (r *serviceRequest) GetScopes() []string   { return r.scopes }
func (r *serviceRequest) GetClientID() string   { return r.clientID }

func joinScopes(s []string) string {
	var out []string
	for _, sc := range s {
		switch sc {
		case oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeOfflineAccess:
		default:
			out = append(out, sc)
		}
	}
	return strings.Join(out, " ")
}
