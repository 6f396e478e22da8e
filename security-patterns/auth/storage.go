package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// storage is the provider's op.Storage, in memory: the clients and users of
// the directory, the pending logins, and the tokens it issued.
type storage struct {
	mu       sync.Mutex
	policy   Policy
	settings Settings
	clients  map[string]*client
	keys     *keyring
	requests map[string]*authRequest // by id
	codes    map[string]string       // code → request id
	access   map[string]*issued      // by jti
	refresh  map[string]*refreshGrant
	now      func() time.Time
}

// issued is an access token the provider issued.
type issued struct {
	id, clientID, subject string
	audience, scopes      []string
	actor                 map[string]any
	expires               time.Time
	refresh               string // the refresh token issued with it, if any
}

// refreshGrant is a refresh token: what a new access token from it carries.
type refreshGrant struct {
	token, clientID, subject string
	audience, scopes         []string
	authTime, expires        time.Time
}

func newStorage(s Settings, p Policy) (*storage, error) {
	keys, err := newKeyring(s.TokenTTL + time.Minute)
	if err != nil {
		return nil, err
	}
	return &storage{policy: p, settings: s, clients: directoryClients(s), keys: keys,
		requests: map[string]*authRequest{}, codes: map[string]string{},
		access: map[string]*issued{}, refresh: map[string]*refreshGrant{}, now: time.Now}, nil
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var errNotFound = errors.New("not found")

// --- authorization requests (the authorization code flow) ---

func (s *storage) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if r.CodeChallenge == "" || r.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE with code_challenge_method=S256 is required")
	}
	if r.ResponseType != oidc.ResponseTypeCode {
		return nil, oidc.ErrInvalidRequest().WithDescription("only the authorization code flow is offered")
	}
	a := &authRequest{id: randomID(), req: *r, created: s.now(), audience: s.policy.userAudience()}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[a.id] = a
	return a, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[id]; ok {
		return a, nil
	}
	return nil, errNotFound
}

func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[s.codes[code]]; ok && s.now().Sub(a.created) < 10*time.Minute {
		return a, nil
	}
	return nil, errNotFound
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for code, rid := range s.codes {
		if rid == id {
			delete(s.codes, code)
		}
	}
	return nil
}

// login checks a user's password and completes the pending request: its
// scopes become those the user may hold.
func (s *storage) login(id, username, password string) error {
	u, ok := findUser(username)
	if !ok || subtle.ConstantTimeCompare([]byte(password), []byte(s.settings.Password)) != 1 {
		return errors.New("unknown user or wrong password")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return errors.New("this login has expired: start again")
	}
	a.subject, a.done, a.authTime = u.Name, true, s.now()
	a.scopes = oidcScopes(a.req.Scopes)
	a.scopes = append(a.scopes, intersect(a.req.Scopes, userScopes(u, s.policy.UserInternal))...)
	return nil
}

// oidcScopes keeps the OpenID Connect scopes of a request.
func oidcScopes(scopes []string) []string {
	var out []string
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeOfflineAccess:
			out = append(out, sc)
		}
	}
	return out
}

// --- tokens ---

func (s *storage) CreateAccessToken(_ context.Context, r op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.issue(r, "")
	return t.id, t.expires, nil
}

// issue records a new access token for r; the caller holds the lock.
func (s *storage) issue(r op.TokenRequest, refresh string) *issued {
	t := &issued{id: randomID(), subject: r.GetSubject(), audience: r.GetAudience(), scopes: r.GetScopes(),
		expires: s.now().Add(s.settings.TokenTTL), refresh: refresh}
	switch r := r.(type) {
	case interface{ GetClientID() string }:
		t.clientID = r.GetClientID()
	}
	if x, ok := r.(op.TokenExchangeRequest); ok {
		t.actor = actorOf(x)
	}
	s.access[t.id] = t
	return t
}

func (s *storage) CreateAccessAndRefreshTokens(_ context.Context, r op.TokenRequest, current string) (string, string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := &refreshGrant{token: randomID() + randomID(), subject: r.GetSubject(), audience: r.GetAudience(),
		scopes: r.GetScopes(), authTime: s.now(), expires: s.now().Add(s.settings.RefreshTTL)}
	if c, ok := r.(interface{ GetClientID() string }); ok {
		g.clientID = c.GetClientID()
	}
	if current != "" { // rotation: the old refresh token is spent
		old, ok := s.refresh[current]
		if !ok {
			return "", "", time.Time{}, op.ErrInvalidRefreshToken
		}
		g.authTime = old.authTime
		delete(s.refresh, current)
	}
	s.refresh[g.token] = g
	t := s.issue(r, g.token)
	return t.id, g.token, t.expires, nil
}

func (s *storage) TokenRequestByRefreshToken(_ context.Context, token string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.refresh[token]
	if !ok || s.now().After(g.expires) {
		return nil, op.ErrInvalidRefreshToken
	}
	return &refreshRequest{g: *g}, nil
}

func (s *storage) TerminateSession(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, g := range s.refresh {
		if g.subject == userID && g.clientID == clientID {
			delete(s.refresh, k)
		}
	}
	for k, t := range s.access {
		if t.subject == userID && t.clientID == clientID {
			delete(s.access, k)
		}
	}
	return nil
}

func (s *storage) RevokeToken(_ context.Context, token, userID, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.refresh[token]; ok {
		if g.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("the token was not issued to this client")
		}
		delete(s.refresh, token)
		for k, t := range s.access {
			if t.refresh == token {
				delete(s.access, k)
			}
		}
		return nil
	}
	if t, ok := s.access[token]; ok {
		if t.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("the token was not issued to this client")
		}
		delete(s.access, token)
	}
	return nil // RFC 7009: an unknown token is no error
}

func (s *storage) GetRefreshTokenInfo(_ context.Context, clientID, token string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.refresh[token]; ok && g.clientID == clientID {
		return g.subject, g.token, nil
	}
	return "", "", op.ErrInvalidRefreshToken
}

// active returns the access token of that id while it is valid.
func (s *storage) active(id string) (*issued, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.access[id]
	if !ok || s.now().After(t.expires) {
		return nil, false
	}
	return t, true
}

// --- keys ---

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.keys.current(), nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	var out []op.Key
	for _, k := range s.keys.published() {
		out = append(out, publicKey{k})
	}
	return out, nil
}

// --- clients ---

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if c, ok := s.clients[id]; ok {
		return c, nil
	}
	return nil, errNotFound
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	c, ok := s.clients[id]
	if !ok || c.secret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(c.secret)) != 1 {
		return errors.New("unknown client or wrong secret")
	}
	return nil
}

func (s *storage) ClientCredentials(ctx context.Context, id, secret string) (op.Client, error) {
	if err := s.AuthorizeClientIDSecret(ctx, id, secret); err != nil {
		return nil, err
	}
	c := s.clients[id]
	if !slices.Contains(c.grants, oidc.GrantTypeClientCredentials) {
		return nil, errors.New("this client may not use client credentials")
	}
	return c, nil
}

// ClientCredentialsTokenRequest grants a service the scopes it asked for
// among those it may hold; the token's audience is the services those
// scopes open, so a token for the warehouse's reservations is good there only.
func (s *storage) ClientCredentialsTokenRequest(_ context.Context, id string, scopes []string) (op.TokenRequest, error) {
	granted := intersect(scopes, clientScopes(id))
	if len(granted) == 0 {
		return nil, oidc.ErrInvalidScope().WithDescription("none of the scopes asked for may be granted to %s", id)
	}
	var aud []string
	for _, sc := range granted {
		if o := owner[sc]; !slices.Contains(aud, o) {
			aud = append(aud, o)
		}
	}
	return &serviceRequest{clientID: id, scopes: granted, audience: aud}, nil
}

// --- claims ---

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil // deprecated by op; SetUserinfoFromRequest does it
}

// SetUserinfoFromRequest fills the ID token's claims; without it the ID
// token's sub would be empty.
func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, r op.IDTokenRequest, _ []string) error {
	setUserinfo(info, r.GetSubject())
	return nil
}

func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	if _, ok := s.active(tokenID); !ok {
		return errors.New("the token is not active")
	}
	setUserinfo(info, subject)
	return nil
}

func setUserinfo(info *oidc.UserInfo, subject string) {
	info.Subject = subject
	if u, ok := findUser(subject); ok {
		info.Name, info.PreferredUsername = u.FullName, u.Name
		info.AppendClaims("roles", []string{u.Role})
		if u.CustomerID != "" {
			info.AppendClaims("customer_id", u.CustomerID)
		}
	}
}

func (s *storage) SetIntrospectionFromToken(_ context.Context, r *oidc.IntrospectionResponse, tokenID, subject, _ string) error {
	t, ok := s.active(tokenID)
	if !ok {
		return nil // inactive
	}
	r.Active, r.Subject, r.ClientID, r.Scope, r.Audience = true, subject, t.clientID, t.scopes, t.audience
	r.Expiration, r.JWTID, r.Issuer, r.TokenType = oidc.FromTime(t.expires), t.id, s.settings.Issuer, oidc.BearerToken
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetPrivateClaimsFromRequest gives an access token the claims of CONTRACT.md.
func (s *storage) GetPrivateClaimsFromRequest(_ context.Context, r op.TokenRequest, _ []string) (map[string]any, error) {
	return privateClaims(r.GetSubject(), r.GetScopes(), nil), nil
}

// privateClaims are scope (space-separated), roles and customer_id of a
// user, and act after an exchange.
func privateClaims(subject string, scopes []string, act map[string]any) map[string]any {
	c := map[string]any{"scope": joinScopes(scopes)}
	if u, ok := findUser(subject); ok {
		c["roles"] = []string{u.Role}
		if u.CustomerID != "" {
			c["customer_id"] = u.CustomerID
		}
	}
	if act != nil {
		c["act"] = act
	}
	return c
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("the JWT profile grant is not offered")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("the JWT profile grant is not offered")
}

func (s *storage) Health(context.Context) error { return nil }
