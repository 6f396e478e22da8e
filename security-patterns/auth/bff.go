package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/microservice-patterns/lab/shared/httpx"
)

// The gateway's cookies: the session, and a login under way.
const (
	SessionCookie = "lab_session"
	loginCookie   = "lab_login"
)

// BFF is the gateway as a backend-for-frontend: it runs the authorization
// code flow with PKCE as the confidential gateway client, keeps the tokens
// on the server and gives the browser an HttpOnly, SameSite=Lax session
// cookie (Secure over https) instead — the browser never holds a token. API
// clients send Authorization: Bearer with a token addressed to the gateway.
type BFF struct {
	settings Settings
	remote   *remote
	verifier *Verifier
	public   string // GATEWAY_PUBLIC_URL, or "" for the request's own host
	mu       sync.Mutex
	pending  map[string]pendingLogin
	sessions map[string]*session
	now      func() time.Time
	// Seen, when set, records the token of the last request of an order.
	Seen *Seen
}

type pendingLogin struct {
	verifier, nonce, returnTo string
	started                   time.Time
}

type session struct {
	access, refresh, idToken string
	expires                  time.Time
	claims                   *Claims
	name                     string
}

// NewBFF returns the gateway's backend-for-frontend.
func NewBFF(s Settings, public string) *BFF {
	return &BFF{settings: s, remote: newRemote(s), verifier: NewVerifier("gateway", s), public: strings.TrimSuffix(public, "/"),
		pending: map[string]pendingLogin{}, sessions: map[string]*session{}, now: time.Now}
}

// Middleware answers /auth/login, /auth/callback, /auth/logout and
// /api/lab/session, and makes every other protected request carry a
// verified token (the session's or the bearer's) for the outbound wrappers.
func (b *BFF) Middleware(c *gin.Context) {
	r := c.Request
	switch {
	case r.URL.Path == "/auth/login" && r.Method == http.MethodGet:
		b.login(c)
		c.Abort() // answered here: no route runs after it
		return
	case r.URL.Path == "/auth/callback" && r.Method == http.MethodGet:
		b.callback(c)
		c.Abort() // answered here: no route runs after it
		return
	case r.URL.Path == "/auth/logout" && r.Method == http.MethodPost:
		b.logout(c)
		c.Abort() // answered here: no route runs after it
		return
	case r.URL.Path == "/api/lab/session" && r.Method == http.MethodGet:
		b.whoami(c)
		c.Abort() // answered here: no route runs after it
		return
	}
	if Open(r.Method, r.URL.Path) {
		c.Next()
		return
	}
	raw, claims, sent, err := b.token(c)
	switch {
	case errors.Is(err, ErrUnavailable):
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusServiceUnavailable, "the identity provider is unreachable, so no token can be verified"))
		return
	case err != nil:
		Unauthorized(c, true, "the access token was refused: "+err.Error())
		return
	case raw == "":
		Unauthorized(c, sent, "log in (/auth/login) or send Authorization: Bearer <token>")
		return
	}
	b.Seen.Observe(r, claims)
	c.Request = r.WithContext(WithToken(r.Context(), raw, claims))
	c.Next()
}

// token returns the request's token: the bearer's, verified, or the session's.
func (b *BFF) token(c *gin.Context) (string, *Claims, bool, error) {
	if raw, sent := bearer(c.Request); sent {
		if raw == "" {
			return "", nil, true, nil
		}
		claims, err := b.verifier.Verify(c.Request.Context(), raw)
		return raw, claims, true, err
	}
	s := b.session(c)
	if s == nil {
		return "", nil, false, nil
	}
	return s.access, s.claims, false, nil
}

// session returns the request's session, its token refreshed when it is
// about to expire; an expired session without a refresh ends.
func (b *BFF) session(c *gin.Context) *session {
	ck, err := c.Request.Cookie(SessionCookie)
	if err != nil {
		return nil
	}
	b.mu.Lock()
	s := b.sessions[ck.Value]
	b.mu.Unlock()
	if s == nil {
		return nil
	}
	if b.now().Add(30 * time.Second).Before(s.expires) {
		return s
	}
	fresh, err := b.refresh(c.Request.Context(), s)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		delete(b.sessions, ck.Value)
		return nil
	}
	b.sessions[ck.Value] = fresh
	return fresh
}

func (b *BFF) config(ctx context.Context, c *gin.Context) (*oauth2.Config, *oidc.Provider, error) {
	p, _, err := b.remote.get(ctx)
	if err != nil {
		return nil, nil, err
	}
	base := b.public
	if base == "" {
		scheme := "http"
		if c.Request.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + c.Request.Host
	}
	scopes := append([]string{oidc.ScopeOpenID, "profile", oidc.ScopeOfflineAccess}, PublicScopes...)
	scopes = append(scopes, InternalScopes...) // the provider grants only those its policy gives users
	return &oauth2.Config{ClientID: b.settings.ClientID("gateway"), ClientSecret: b.settings.ClientSecret("gateway"),
		Endpoint: p.Endpoint(), RedirectURL: base + "/auth/callback", Scopes: scopes}, p, nil
}

// safeReturn keeps a returnTo that stays on the gateway: a relative path,
// never another origin ("//evil", "/\evil", "https://…").
func safeReturn(to string) string {
	if to == "" || !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.ContainsAny(to, "\\\r\n\t") {
		return "/"
	}
	if u, err := url.Parse(to); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return to
}

func (b *BFF) login(c *gin.Context) {
	cfg, _, err := b.config(c.Request.Context(), c)
	if err != nil {
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusServiceUnavailable, err.Error()))
		return
	}
	state, nonce, verifier := randomID(), randomID(), oauth2.GenerateVerifier()
	b.mu.Lock()
	for k, p := range b.pending { // forget logins never finished
		if b.now().Sub(p.started) > 10*time.Minute {
			delete(b.pending, k)
		}
	}
	b.pending[state] = pendingLogin{verifier: verifier, nonce: nonce, returnTo: safeReturn(c.Query("returnTo")), started: b.now()}
	b.mu.Unlock()
	b.setCookie(c, loginCookie, state, "/auth", 600)
	c.Redirect(http.StatusFound, cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)))
}

func (b *BFF) callback(c *gin.Context) {
	state := c.Query("state")
	ck, err := c.Request.Cookie(loginCookie)
	b.mu.Lock()
	p, ok := b.pending[state]
	if ok && err == nil && ck.Value == state {
		delete(b.pending, state)
	}
	b.mu.Unlock()
	b.setCookie(c, loginCookie, "", "/auth", -1)
	if !ok || err != nil || ck.Value != state || state == "" {
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusBadRequest, "the login's state does not match this browser's: start again at /auth/login"))
		return
	}
	if e := c.Query("error"); e != "" {
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusBadRequest, "the identity provider refused the login: "+e))
		return
	}
	ctx := b.remote.ctx(c.Request.Context())
	cfg, provider, err := b.config(ctx, c)
	if err != nil {
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusServiceUnavailable, err.Error()))
		return
	}
	tok, err := cfg.Exchange(ctx, c.Query("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusBadRequest, "the code was refused: "+err.Error()))
		return
	}
	s, err := b.newSession(ctx, provider, tok, p.nonce)
	if err != nil {
		httpx.WriteProblem(c, httpx.NewProblem(http.StatusBadGateway, err.Error()))
		return
	}
	id := randomID() + randomID()
	b.mu.Lock()
	b.sessions[id] = s
	b.mu.Unlock()
	b.setCookie(c, SessionCookie, id, "/", 0)
	c.Redirect(http.StatusFound, p.returnTo)
}

// newSession verifies the ID token (issuer, audience gateway, nonce) and
// the access token, and keeps both with the refresh token.
func (b *BFF) newSession(ctx context.Context, p *oidc.Provider, tok *oauth2.Token, nonce string) (*session, error) {
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: b.settings.ClientID("gateway")}).Verify(ctx, rawID)
	if err != nil {
		return nil, err
	}
	if nonce != "" && idt.Nonce != nonce {
		return nil, errors.New("the ID token's nonce is not this login's")
	}
	claims, err := b.verifier.Verify(ctx, tok.AccessToken)
	if err != nil {
		return nil, err
	}
	var profile struct {
		Name string `json:"name"`
	}
	_ = idt.Claims(&profile)
	return &session{access: tok.AccessToken, refresh: tok.RefreshToken, idToken: rawID, expires: tok.Expiry,
		claims: claims, name: profile.Name}, nil
}

// refresh redeems the session's refresh token (rotated at each use).
func (b *BFF) refresh(ctx context.Context, s *session) (*session, error) {
	if s.refresh == "" {
		return nil, errors.New("the session has expired")
	}
	p, _, err := b.remote.get(ctx)
	if err != nil {
		return nil, err
	}
	cfg := oauth2.Config{ClientID: b.settings.ClientID("gateway"), ClientSecret: b.settings.ClientSecret("gateway"), Endpoint: p.Endpoint()}
	tok, err := cfg.TokenSource(b.remote.ctx(ctx), &oauth2.Token{RefreshToken: s.refresh}).Token()
	if err != nil {
		return nil, err
	}
	claims, err := b.verifier.Verify(ctx, tok.AccessToken)
	if err != nil {
		return nil, err
	}
	fresh := *s
	fresh.access, fresh.expires, fresh.claims = tok.AccessToken, tok.Expiry, claims
	if tok.RefreshToken != "" {
		fresh.refresh = tok.RefreshToken
	}
	return &fresh, nil
}

// logout ends the session here and at the provider: its refresh token is
// revoked, and the provider's end_session ends what it keeps of the login.
func (b *BFF) logout(c *gin.Context) {
	var s *session
	if ck, err := c.Request.Cookie(SessionCookie); err == nil {
		b.mu.Lock()
		s = b.sessions[ck.Value]
		delete(b.sessions, ck.Value)
		b.mu.Unlock()
	}
	b.setCookie(c, SessionCookie, "", "/", -1)
	if s != nil {
		b.endAtProvider(c.Request.Context(), s)
	}
	if strings.Contains(c.GetHeader("Accept"), "text/html") {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	c.Status(http.StatusNoContent)
}

func (b *BFF) endAtProvider(ctx context.Context, s *session) {
	_, m, err := b.remote.get(ctx)
	if err != nil {
		return
	}
	if s.refresh != "" && m.Revocation != "" {
		_ = b.remote.postForm(ctx, m.Revocation, b.settings.ClientID("gateway"), b.settings.ClientSecret("gateway"),
			url.Values{"token": {s.refresh}, "token_type_hint": {"refresh_token"}}, nil)
	}
	if m.EndSession != "" && s.idToken != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.EndSession+"?id_token_hint="+url.QueryEscape(s.idToken), nil)
		if err == nil {
			hc := *b.remote.http
			hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			if resp, err := hc.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	}
}

// Session is the answer of GET /api/lab/session.
type Session struct {
	User       string   `json:"user"`
	Name       string   `json:"name"`
	Roles      []string `json:"roles"`
	CustomerID string   `json:"customerId,omitempty"`
}

func (b *BFF) whoami(c *gin.Context) {
	_, claims, sent, err := b.token(c)
	if err != nil || claims == nil {
		Unauthorized(c, sent, "no session: log in at /auth/login")
		return
	}
	out := Session{User: claims.Subject, Roles: claims.Roles, CustomerID: claims.CustomerID}
	if u, ok := findUser(claims.Subject); ok {
		out.Name = u.FullName
	}
	if out.Roles == nil {
		out.Roles = []string{}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}

func (b *BFF) setCookie(c *gin.Context, name, value, path string, maxAge int) {
	secure := c.Request.TLS != nil || strings.HasPrefix(b.public, "https://") || c.GetHeader("X-Forwarded-Proto") == "https"
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure})
}
