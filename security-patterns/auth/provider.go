package auth

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// Process is the auth process of a security pattern: the lab's identity
// provider, issuing users' tokens as policy says. It is not started when
// OIDC_ISSUER names an external provider.
func Process(policy Policy) app.Process {
	return app.Process{Name: "auth", Skip: external,
		Build: func(_ context.Context, s app.ProcessScope) (http.Handler, func() error, error) {
			p, err := NewProvider(s.Env, s.URL, policy, s.Log)
			if err != nil {
				return nil, nil, err
			}
			return p, func() error { return nil }, nil
		}}
}

// Provider is the identity provider's HTTP handler: discovery, JWKS,
// authorize (code + PKCE S256), token (code, refresh, client credentials,
// token exchange), introspection, revocation, userinfo, end_session, the
// login page, POST /admin/keys/rotate and GET /admin/calls (calls.go).
type Provider struct {
	http.Handler
	storage *storage
	issuer  string
}

// NewProvider returns the provider whose issuer is url, to the character.
func NewProvider(env config.Getenv, issuer string, policy Policy, log *slog.Logger) (*Provider, error) {
	settings, err := LoadSettings(env)
	if err != nil {
		return nil, err
	}
	issuer = strings.TrimSuffix(issuer, "/")
	settings.Issuer = issuer
	st, err := newStorage(settings, policy)
	if err != nil {
		return nil, err
	}
	gw := config.NewReader(env).String("GATEWAY_PUBLIC_URL", "")
	st.clients["gateway"].globs = []string{"http://127.0.0.1:*/auth/callback", "http://localhost:*/auth/callback"}
	st.clients["gateway"].logoutGlobs = []string{"http://127.0.0.1:*/", "http://localhost:*/"}
	if gw != "" {
		gw = strings.TrimSuffix(gw, "/")
		st.clients["gateway"].allowRedirects([]string{gw + "/auth/callback"}, []string{gw + "/"})
	}
	st.clients["cli"].allowRedirects([]string{"http://127.0.0.1/callback"}, nil)

	cfg := &op.Config{CodeMethodS256: true, AuthMethodPost: true, GrantTypeRefreshToken: true,
		SupportedScopes: append(append([]string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeOfflineAccess}, PublicScopes...), InternalScopes...),
		SupportedClaims: append(op.DefaultSupportedClaims, "scope", "roles", "customer_id")}
	if _, err := rand.Read(cfg.CryptoKey[:]); err != nil {
		return nil, err
	}
	opts := []op.Option{op.WithLogger(log)}
	if strings.HasPrefix(issuer, "http://") {
		opts = append(opts, op.WithAllowInsecure())
	}
	provider, err := op.NewProvider(cfg, st, op.StaticIssuer(issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	server := &server{LegacyServer: op.NewLegacyServer(provider, *op.DefaultEndpoints), keys: st.keys}
	oidcHandler := op.RegisterLegacyServer(server, op.AuthorizeCallbackHandler(provider), op.WithFallbackLogger(log))

	p := &Provider{storage: st, issuer: issuer}
	calls := newCallCounter()
	e := httpx.NewEngine(log)
	e.Use(calls.Middleware)
	httpx.Health(e, nil)
	e.GET(CallsPath, calls.counts)
	e.GET("/login", p.loginPage)
	e.POST("/login", p.login)
	e.POST("/admin/keys/rotate", p.rotate)
	e.NoRoute(gin.WrapH(oidcHandler))
	e.NoMethod(gin.WrapH(oidcHandler))
	p.Handler = e
	return p, nil
}

var loginTemplate = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lab login</title></head>
<body><h1>Log in to the lab</h1>
{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="id" value="{{.ID}}">
<label>User <input name="username" autocomplete="username" autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Log in</button>
</form>
<p>Users: ada, grace, alan, margaret (customers), admin. The demo password is set by LAB_DEMO_PASSWORD.</p>
</body></html>`))

func (p *Provider) loginPage(c *gin.Context) {
	p.renderLogin(c, http.StatusOK, c.Query("authRequestID"), "")
}

func (p *Provider) renderLogin(c *gin.Context, status int, id, msg string) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Header("X-Frame-Options", "DENY")
	c.Status(status)
	_ = loginTemplate.Execute(c.Writer, struct{ ID, Error string }{id, msg})
}

// login checks the form and hands the completed request back to the
// authorization endpoint, which redirects to the client with a code.
func (p *Provider) login(c *gin.Context) {
	id := c.PostForm("id")
	if err := p.storage.login(id, c.PostForm("username"), c.PostForm("password")); err != nil {
		p.renderLogin(c, http.StatusUnauthorized, id, err.Error())
		return
	}
	c.Redirect(http.StatusFound, p.issuer+"/authorize/callback?id="+url.QueryEscape(id))
}

// rotate adds a signing key; the old one stays in the JWKS until its tokens expire.
func (p *Provider) rotate(c *gin.Context) {
	kid, err := p.storage.keys.rotate()
	if err != nil {
		httpx.WriteError(c, err)
		return
	}
	var ids []string
	for _, k := range p.storage.keys.published() {
		ids = append(ids, k.id)
	}
	c.JSON(http.StatusOK, gin.H{"signing": kid, "published": ids})
}

// server is op's server with access tokens typed at+jwt (RFC 9068): op signs
// every JWT with typ "JWT", so an ID token and an access token would look
// alike to a resource server. Each access token op issues is signed again
// with typ at+jwt, and the ID token beside it gets that token's at_hash.
// A grant that must see the verifier does: PKCE is required of every client,
// confidential ones too.
type server struct {
	*op.LegacyServer
	keys *keyring
}

func (s *server) CodeExchange(ctx context.Context, r *op.ClientRequest[oidc.AccessTokenRequest]) (*op.Response, error) {
	if r.Data.CodeVerifier == "" {
		return nil, oidc.ErrInvalidGrant().WithDescription("code_verifier is required (PKCE)")
	}
	resp, err := s.LegacyServer.CodeExchange(ctx, r)
	return s.retype(resp, err)
}

func (s *server) RefreshToken(ctx context.Context, r *op.ClientRequest[oidc.RefreshTokenRequest]) (*op.Response, error) {
	resp, err := s.LegacyServer.RefreshToken(ctx, r)
	return s.retype(resp, err)
}

func (s *server) ClientCredentialsExchange(ctx context.Context, r *op.ClientRequest[oidc.ClientCredentialsRequest]) (*op.Response, error) {
	resp, err := s.LegacyServer.ClientCredentialsExchange(ctx, r)
	return s.retype(resp, err)
}

func (s *server) TokenExchange(ctx context.Context, r *op.ClientRequest[oidc.TokenExchangeRequest]) (*op.Response, error) {
	resp, err := s.LegacyServer.TokenExchange(ctx, r)
	return s.retype(resp, err)
}

// AccessTokenType is the JOSE typ of the lab's access tokens (RFC 9068).
const AccessTokenType = "at+jwt"

func (s *server) retype(resp *op.Response, err error) (*op.Response, error) {
	if err != nil {
		return resp, err
	}
	switch d := resp.Data.(type) {
	case *oidc.AccessTokenResponse:
		if d.AccessToken, err = s.resign(d.AccessToken, AccessTokenType, nil); err != nil {
			return nil, err
		}
		if d.IDToken != "" {
			hash, herr := oidc.ClaimHash(d.AccessToken, jose.RS256)
			if herr != nil {
				return nil, herr
			}
			if d.IDToken, err = s.resign(d.IDToken, "JWT", map[string]any{"at_hash": hash}); err != nil {
				return nil, err
			}
		}
	case *oidc.TokenExchangeResponse:
		if d.AccessToken, err = s.resign(d.AccessToken, AccessTokenType, nil); err != nil {
			return nil, err
		}
	}
	return resp, nil
}

// resign signs the payload of a JWT op just signed again, with typ and the
// claims set, by the key that signed it.
func (s *server) resign(token, typ string, set map[string]any) (string, error) {
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(jws.Signatures) != 1 {
		return "", oidc.ErrServerError().WithParent(errors.Join(errors.New("parse the token op issued"), err))
	}
	kid := jws.Signatures[0].Header.KeyID
	var key *signingKey
	for _, k := range s.keys.published() {
		if k.id == kid {
			key = k
		}
	}
	if key == nil {
		return "", oidc.ErrServerError().WithDescription("the signing key is gone")
	}
	payload, err := jws.Verify(&key.private.PublicKey)
	if err != nil {
		return "", oidc.ErrServerError().WithParent(err)
	}
	if set != nil {
		var claims map[string]any
		if err := json.Unmarshal(payload, &claims); err != nil {
			return "", oidc.ErrServerError().WithParent(err)
		}
		for k, v := range set {
			claims[k] = v
		}
		if payload, err = json.Marshal(claims); err != nil {
			return "", oidc.ErrServerError().WithParent(err)
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key.private, KeyID: kid}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return "", oidc.ErrServerError().WithParent(err)
	}
	out, err := signer.Sign(payload)
	if err != nil {
		return "", oidc.ErrServerError().WithParent(err)
	}
	return out.CompactSerialize()
}
