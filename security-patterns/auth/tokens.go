package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"

	"github.com/microservice-patterns/lab/shared/config"
)

// Login returns an access token of user for the gateway (app.Pattern.Login):
// the command line's flow, with the demo password.
func Login(ctx context.Context, env config.Getenv, user string) (string, error) {
	s, err := LoadSettings(env)
	if err != nil {
		return "", err
	}
	return CLILogin(ctx, s, user, s.Password)
}

// CLILogin runs the authorization code flow with PKCE as the public cli
// client, filling the provider's login page as a browser would, and returns
// the access token. Its redirect URI is a loopback one (RFC 8252); the flow
// stops at the redirect that carries the code, so nothing listens there.
func CLILogin(ctx context.Context, s Settings, user, password string) (string, error) {
	r := newRemote(s)
	p, _, err := r.get(ctx)
	if err != nil {
		return "", err
	}
	cfg := &oauth2.Config{ClientID: s.ClientID("cli"), Endpoint: p.Endpoint(), RedirectURL: "http://127.0.0.1:8999/callback",
		Scopes: append([]string{"openid"}, append(append([]string(nil), PublicScopes...), InternalScopes...)...)}
	cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	tok, err := codeFlow(ctx, r, cfg, user, password)
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// codeFlow runs the authorization code flow with PKCE for cfg, logging in
// on the provider's page, and stops at the redirect to cfg.RedirectURL.
func codeFlow(ctx context.Context, r *remote, cfg *oauth2.Config, user, password string) (*oauth2.Token, error) {
	verifier, state := oauth2.GenerateVerifier(), randomID()
	var final *url.URL
	hc := &http.Client{Transport: r.http.Transport, Timeout: 10 * time.Second,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), cfg.RedirectURL) {
				final = req.URL
				return http.ErrUseLastResponse
			}
			return nil
		}}
	resp, err := hc.Get(cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	id := resp.Request.URL.Query().Get("authRequestID")
	if resp.StatusCode != http.StatusOK || id == "" {
		return nil, fmt.Errorf("the authorization endpoint did not lead to the login page (status %d at %s)", resp.StatusCode, resp.Request.URL)
	}
	loginURL := *resp.Request.URL
	loginURL.RawQuery = ""
	resp, err = hc.PostForm(loginURL.String(), url.Values{"id": {id}, "username": {user}, "password": {password}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if final == nil {
		return nil, fmt.Errorf("login as %s refused (status %d)", user, resp.StatusCode)
	}
	q := final.Query()
	if e := q.Get("error"); e != "" {
		return nil, fmt.Errorf("the provider refused: %s %s", e, q.Get("error_description"))
	}
	if q.Get("state") != state {
		return nil, errors.New("the provider answered with another state")
	}
	return cfg.Exchange(r.ctx(ctx), q.Get("code"), oauth2.VerifierOption(verifier))
}

// ServiceTokens are a service's own tokens (client credentials), one per
// callee with the scopes of that hop, each cached until shortly before it
// expires.
type ServiceTokens struct {
	service string
	remote  *remote
	mu      sync.Mutex
	sources map[string]oauth2.TokenSource
	fetched int // tokens fetched from the provider, for the lab panel
}

// NewServiceTokens returns the token cache of service.
func NewServiceTokens(service string, s Settings) *ServiceTokens {
	return &ServiceTokens{service: service, remote: newRemote(s), sources: map[string]oauth2.TokenSource{}}
}

// For returns the service's token for its calls to callee.
func (t *ServiceTokens) For(ctx context.Context, callee string) (string, error) {
	scopes := CallScopes(t.service, callee)
	if scopes == nil {
		return "", fmt.Errorf("%s has no business calling %s", t.service, callee)
	}
	p, _, err := t.remote.get(ctx)
	if err != nil {
		return "", err
	}
	t.mu.Lock()
	src, ok := t.sources[callee]
	if !ok {
		s := t.remote.settings
		cc := clientcredentials.Config{ClientID: s.ClientID(t.service), ClientSecret: s.ClientSecret(t.service),
			TokenURL: p.Endpoint().TokenURL, Scopes: scopes, AuthStyle: oauth2.AuthStyleInHeader}
		src = oauth2.ReuseTokenSourceWithExpiry(nil, &counting{cc.TokenSource(t.remote.ctx(context.Background())), t}, 30*time.Second)
		t.sources[callee] = src
	}
	t.mu.Unlock()
	tok, err := src.Token()
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// Fetched answers how many tokens the service fetched from the provider.
func (t *ServiceTokens) Fetched() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fetched
}

type counting struct {
	src oauth2.TokenSource
	t   *ServiceTokens
}

func (c *counting) Token() (*oauth2.Token, error) {
	tok, err := c.src.Token()
	if err == nil {
		c.t.mu.Lock()
		c.t.fetched++
		c.t.mu.Unlock()
	}
	return tok, err
}

// Exchanger exchanges the tokens a client received for tokens addressed to
// its callees (RFC 8693; golang.org/x/oauth2 has no client of it), and
// caches each new token for its subject and audience until shortly before
// it expires. Concurrent requests for a token it has not cached yet share
// one exchange: a burst of a new user's calls costs the provider one.
type Exchanger struct {
	client   string
	remote   *remote
	inFlight singleflight.Group
	mu       sync.Mutex
	cache    map[[2]string]cached
	fetched  int
}

type cached struct {
	token   string
	expires time.Time
}

// NewExchanger returns the exchanger of client (a service, or the gateway).
func NewExchanger(client string, s Settings) *Exchanger {
	return &Exchanger{client: client, remote: newRemote(s), cache: map[[2]string]cached{}}
}

// Exchange returns a token for audience in exchange for subject.
func (x *Exchanger) Exchange(ctx context.Context, subject, audience string) (string, error) {
	key := [2]string{subject, audience}
	x.mu.Lock()
	if c, ok := x.cache[key]; ok && time.Now().Before(c.expires) {
		x.mu.Unlock()
		return c.token, nil
	}
	x.mu.Unlock()
	// The shared exchange outlives a caller that gives up (it is bounded by
	// the remote's client timeout); each caller waits only as long as its
	// own context lets it.
	ch := x.inFlight.DoChan(audience+" "+subject, func() (any, error) {
		return x.fetch(context.WithoutCancel(ctx), key)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// fetch makes one exchange at the provider and caches its token.
func (x *Exchanger) fetch(ctx context.Context, key [2]string) (string, error) {
	subject, audience := key[0], key[1]
	now := time.Now()
	p, _, err := x.remote.get(ctx)
	if err != nil {
		return "", err
	}
	form := url.Values{
		"grant_type":         {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token":      {subject},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
		"audience":           {audience},
		"scope":              {strings.Join(CallScopes(x.client, audience), " ")},
	}
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	s := x.remote.settings
	if err := x.remote.postForm(ctx, p.Endpoint().TokenURL, s.ClientID(x.client), s.ClientSecret(x.client), form, &out); err != nil {
		return "", err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.fetched++
	if len(x.cache) > 4096 { // bounded: forget everything rather than grow
		clear(x.cache)
	}
	x.cache[key] = cached{token: out.AccessToken, expires: now.Add(time.Duration(out.ExpiresIn)*time.Second - 30*time.Second)}
	return out.AccessToken, nil
}

// Fetched answers how many exchanges went to the provider.
func (x *Exchanger) Fetched() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.fetched
}
