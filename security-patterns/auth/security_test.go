package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	_ "github.com/microservice-patterns/lab/communication-patterns/rest"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/stack"
)

// lab is a variant secured as a pattern of the lab would secure it, started
// in this process, with its provider at hand to forge tokens.
type lab struct {
	t        *testing.T
	st       *stack.Stack
	provider *Provider
	settings Settings
}

// startLab starts rest with a security pattern made here of policy and out.
func startLab(t *testing.T, name string, policy Policy, out func(app.Scope, Settings) Outbound) *lab {
	t.Helper()
	l := &lab{t: t}
	p := &app.Pattern{Name: name, Category: "security",
		Extend: func(s app.Scope) (*app.Extension, error) { return Extend(s, out) },
		Processes: []app.Process{{Name: "auth", Build: func(_ context.Context, s app.ProcessScope) (http.Handler, func() error, error) {
			pr, err := NewProvider(s.Env, s.URL, policy, s.Log)
			l.provider = pr
			return pr, func() error { return nil }, err
		}}}}
	v := app.MustCompose(mustBase(t), p)
	st, err := stack.Start(context.Background(), v, stack.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Stop)
	l.st = st
	if l.settings, err = LoadSettings(st.Env()); err != nil {
		t.Fatal(err)
	}
	return l
}

func mustBase(t *testing.T) *app.Base {
	for _, b := range app.Bases() {
		if b.Name == "rest" {
			return b
		}
	}
	t.Fatal("rest is not linked in")
	return nil
}

func (l *lab) login(user string) string {
	l.t.Helper()
	tok, err := CLILogin(context.Background(), l.settings, user, DefaultPassword)
	if err != nil {
		l.t.Fatalf("log in as %s: %v", user, err)
	}
	return tok
}

// call sends method path to base with the token and returns the status and body.
func call(t *testing.T, method, url, token, body string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// claimsOf decodes a JWT's payload without verifying it.
func claimsOf(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// sign signs claims with key under kid and typ.
func sign(t *testing.T, key *rsa.PrivateKey, kid, typ string, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	out, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := out.CompactSerialize()
	return tok
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// forged returns a token like ada's, changed by change, signed by the provider's key.
func (l *lab) forged(typ string, change func(map[string]any)) string {
	now := time.Now()
	c := map[string]any{"iss": l.settings.Issuer, "sub": "ada", "aud": append([]string{"gateway"}, Services...),
		"exp": now.Add(time.Minute).Unix(), "iat": now.Unix(), "nbf": now.Unix(), "jti": randomID(), "client_id": "cli",
		"scope": strings.Join(customerScopes, " "), "roles": []string{"customer"}, "customer_id": Users[0].CustomerID}
	if change != nil {
		change(c)
	}
	k := l.provider.storage.keys.current()
	return sign(l.t, k.private, k.id, typ, c)
}

func newOrder(t *testing.T, base, token, customer string) string {
	t.Helper()
	status, _, body := call(t, http.MethodPost, base+"/api/orders", token, `{"customerId":"`+customer+`"}`)
	if status != http.StatusCreated {
		t.Fatalf("create an order: %d %s", status, body)
	}
	var o struct {
		OrderID string `json:"orderId"`
	}
	_ = json.Unmarshal([]byte(body), &o)
	return o.OrderID
}

// TestBadTokens is the table of tokens every entry point refuses, run
// against the gateway and against a service reached directly.
func TestBadTokens(t *testing.T) {
	l := startLab(t, "test-relay", Policy{UserAudience: append([]string{"gateway"}, Services...), UserInternal: true},
		func(app.Scope, Settings) Outbound { return Outbound{For: func(string) Source { return Relayed }} })
	ada, grace := l.login("ada"), l.login("grace")
	order := newOrder(t, l.st.URL, ada, Users[0].CustomerID)
	graceOrder := newOrder(t, l.st.URL, grace, Users[1].CustomerID)

	parts := strings.Split(ada, ".")
	tampered := parts[0] + "." + b64(func() map[string]any { c := claimsOf(t, ada); c["customer_id"] = Users[1].CustomerID; return c }()) + "." + parts[2]
	none := b64(map[string]string{"alg": "none", "typ": "at+jwt"}) + "." + parts[1] + "."
	pub, _ := x509.MarshalPKIXPublicKey(&l.provider.storage.keys.current().private.PublicKey)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	hsHead := b64(map[string]string{"alg": "HS256", "typ": "at+jwt", "kid": l.provider.storage.keys.current().id})
	mac := hmac.New(sha256.New, pemKey)
	mac.Write([]byte(hsHead + "." + parts[1]))
	hs256 := hsHead + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	stranger, _ := rsa.GenerateKey(rand.Reader, 2048)
	unknownKid := sign(t, stranger, "no-such-kid", "at+jwt", claimsOf(t, ada))
	idToken := l.forged("JWT", func(c map[string]any) { c["aud"] = []string{"gateway", "ordering"}; delete(c, "scope") })

	cases := []struct {
		name, token        string
		method, path, body string
		status             int
		wantError          string // in WWW-Authenticate
	}{
		{"no token", "", "GET", "/api/orders/" + order, "", 401, ""},
		{"malformed", "not-a-jwt", "GET", "/api/orders/" + order, "", 401, "invalid_token"},
		{"payload tampered", tampered, "GET", "/api/orders/" + order, "", 401, "invalid_token"},
		{"alg none", none, "GET", "/api/orders/" + order, "", 401, "invalid_token"},
		{"HS256 signed with the public key", hs256, "GET", "/api/orders/" + order, "", 401, "invalid_token"},
		{"unknown kid", unknownKid, "GET", "/api/orders/" + order, "", 401, "invalid_token"},
		{"expired", l.forged("at+jwt", func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }), "GET", "/api/orders/" + order, "", 401, "invalid_token"},
		{"not yet valid", l.forged("at+jwt", func(c map[string]any) { c["nbf"] = time.Now().Add(time.Hour).Unix() }), "GET", "/api/orders/" + order, "", 401, "invalid_token"},
		{"wrong issuer", l.forged("at+jwt", func(c map[string]any) { c["iss"] = "http://127.0.0.1:1" }), "GET", "/api/orders/" + order, "", 401, "invalid_token"},
		{"wrong audience", l.forged("at+jwt", func(c map[string]any) { c["aud"] = []string{"nobody"} }), "GET", "/api/orders/" + order, "", 401, "invalid_token"},
		{"an ID token", idToken, "GET", "/api/orders/" + order, "", 401, "invalid_token"},
		{"missing scope", l.forged("at+jwt", func(c map[string]any) { c["scope"] = "orders:read" }), "POST", "/api/orders", `{"customerId":"` + Users[0].CustomerID + `"}`, 403, "insufficient_scope"},
		{"another customer's order", ada, "GET", "/api/orders/" + graceOrder, "", 404, ""},
		{"another customer's order, changed", ada, "POST", "/api/orders/" + graceOrder + "/cancel", "", 404, ""},
		{"an order for another customer", ada, "POST", "/api/orders", `{"customerId":"` + Users[1].CustomerID + `"}`, 403, "insufficient_scope"},
		{"creating a product as a customer", ada, "POST", "/api/products", `{"code":"X","name":"x","stock":1,"price":1,"currency":"EUR"}`, 403, "insufficient_scope"},
		{"the customer's own order", ada, "GET", "/api/orders/" + order, "", 200, ""},
	}
	for _, entry := range []struct{ name, base string }{{"gateway", l.st.URL}, {"ordering directly", l.st.Services["ordering"]}} {
		for _, tc := range cases {
			if entry.name != "gateway" && strings.Contains(tc.path, "/api/products") {
				continue // products live at the warehouse
			}
			t.Run(entry.name+"/"+tc.name, func(t *testing.T) {
				status, h, body := call(t, tc.method, entry.base+tc.path, tc.token, tc.body)
				if status != tc.status {
					t.Fatalf("got %d, want %d: %s", status, tc.status, body)
				}
				www := h.Get("WWW-Authenticate")
				switch {
				case status == 401 && (!strings.HasPrefix(www, "Bearer") || !strings.Contains(body, "/problems/unauthorized")):
					t.Errorf("401 without Bearer challenge or problem type: %q %s", www, body)
				case status == 403 && !strings.Contains(body, "/problems/forbidden"):
					t.Errorf("403 without problem type: %s", body)
				case tc.wantError != "" && !strings.Contains(www, `error="`+tc.wantError+`"`):
					t.Errorf("WWW-Authenticate %q, want error=%q", www, tc.wantError)
				case tc.wantError == "" && strings.Contains(www, "error="):
					t.Errorf("WWW-Authenticate %q names an error, none was sent", www)
				}
			})
		}
	}

	t.Run("lists are filtered", func(t *testing.T) {
		_, _, body := call(t, "GET", l.st.URL+"/api/orders", ada, "")
		if strings.Contains(body, graceOrder) || !strings.Contains(body, order) {
			t.Errorf("ada's list: %s", body)
		}
		_, _, body = call(t, "GET", l.st.URL+"/api/customers", ada, "")
		if strings.Contains(body, Users[1].CustomerID) || !strings.Contains(body, Users[0].CustomerID) {
			t.Errorf("ada's customers: %s", body)
		}
		if status, _, _ := call(t, "GET", l.st.URL+"/api/customers/"+Users[1].CustomerID, ada, ""); status != 404 {
			t.Errorf("another customer's record: %d", status)
		}
		if status, _, _ := call(t, "GET", l.st.URL+"/api/products", "", ""); status != 200 {
			t.Errorf("the catalogue without a token: %d", status)
		}
	})

	t.Run("the relay's weakness: a user's token opens /internal/", func(t *testing.T) {
		status, _, body := call(t, "POST", l.st.Services["warehouse"]+"/internal/reservations", ada, `{}`)
		if status == 401 || status == 403 {
			t.Errorf("got %d %s: the relayed token should pass", status, body)
		}
	})

	t.Run("keys rotate without a restart", func(t *testing.T) {
		status, _, body := call(t, "POST", l.st.Processes["auth"]+"/admin/keys/rotate", "", "")
		if status != 200 {
			t.Fatalf("rotate: %d %s", status, body)
		}
		if s, _, b := call(t, "GET", l.st.URL+"/api/orders/"+order, ada, ""); s != 200 {
			t.Errorf("a token signed by the old key: %d %s", s, b)
		}
		fresh := l.login("ada")
		if s, _, b := call(t, "GET", l.st.Services["ordering"]+"/api/orders/"+order, fresh, ""); s != 200 {
			t.Errorf("a token signed by the new key (unknown kid at first): %d %s", s, b)
		}
	})

	t.Run("a revoked refresh token is refused", func(t *testing.T) {
		r := newRemote(l.settings)
		p, m, err := r.get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		cfg := &oauth2.Config{ClientID: "gateway", ClientSecret: l.settings.ClientSecret("gateway"), Endpoint: p.Endpoint(),
			RedirectURL: "http://127.0.0.1:9/auth/callback", Scopes: []string{"openid", "offline_access", "orders:read"}}
		tok, err := codeFlow(context.Background(), r, cfg, "ada", DefaultPassword)
		if err != nil || tok.RefreshToken == "" {
			t.Fatalf("code flow: %v (refresh %q)", err, tok.RefreshToken)
		}
		form := url.Values{"token": {tok.RefreshToken}, "token_type_hint": {"refresh_token"}}
		if err := r.postForm(context.Background(), m.Revocation, "gateway", l.settings.ClientSecret("gateway"), form, nil); err != nil {
			t.Fatal(err)
		}
		_, err = cfg.TokenSource(r.ctx(context.Background()), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Errorf("refresh with a revoked token: %v", err)
		}
	})

	t.Run("PKCE is required", func(t *testing.T) {
		r := newRemote(l.settings)
		p, _, _ := r.get(context.Background())
		u := p.Endpoint().AuthURL + "?client_id=cli&response_type=code&scope=openid&redirect_uri=" + url.QueryEscape("http://127.0.0.1:9/callback")
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := hc.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); !strings.Contains(loc, "error=invalid_request") {
			t.Errorf("an authorization request without a code challenge: %d %s", resp.StatusCode, loc)
		}
	})
}

// browser is a client with cookies that stops at redirects leaving for elsewhere.
func browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// TestGatewayBFF logs in through the gateway as a browser does, and checks
// the session, the logout, a state mismatch and an open redirect.
func TestGatewayBFF(t *testing.T) {
	l := startLab(t, "test-bff", Policy{UserAudience: append([]string{"gateway"}, Services...)},
		func(app.Scope, Settings) Outbound { return Outbound{For: func(string) Source { return Relayed }} })
	b := browser(t)
	var last *url.URL
	b.CheckRedirect = func(req *http.Request, _ []*http.Request) error { last = req.URL; return nil }
	resp, err := b.Get(l.st.URL + "/auth/login?returnTo=" + url.QueryEscape("//evil.example/steal"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Request.URL.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("login did not reach the login page: %s", resp.Request.URL)
	}
	form := url.Values{"id": {id}, "username": {"ada"}, "password": {DefaultPassword}}
	resp, err = b.PostForm(l.settings.Issuer+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if last == nil || last.Host != strings.TrimPrefix(l.st.URL, "http://") || last.Path != "/" {
		t.Fatalf("after the login the browser is at %v, want the gateway's / (no open redirect)", last)
	}
	gw, _ := url.Parse(l.st.URL)
	var sess *http.Cookie
	for _, c := range b.Jar.Cookies(gw) {
		if c.Name == SessionCookie {
			sess = c
		}
	}
	if sess == nil {
		t.Fatal("no session cookie")
	}
	resp, _ = b.Get(l.st.URL + "/api/lab/session")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"user":"ada"`) || !strings.Contains(string(body), Users[0].CustomerID) {
		t.Fatalf("session: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "eyJ") {
		t.Errorf("the session answer holds a token: %s", body)
	}
	resp, _ = b.Get(l.st.URL + "/api/orders")
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("an API call with the session cookie: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", l.st.URL+"/auth/logout", nil)
	resp, _ = b.Do(req)
	resp.Body.Close()
	resp, _ = b.Get(l.st.URL + "/api/lab/session")
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("session after logout: %d", resp.StatusCode)
	}

	t.Run("cookie flags", func(t *testing.T) {
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := hc.Get(l.st.URL + "/auth/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		sc := resp.Header.Get("Set-Cookie")
		if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
			t.Errorf("login cookie %q", sc)
		}
	})
	t.Run("state mismatch refused", func(t *testing.T) {
		status, _, body := call(t, "GET", l.st.URL+"/auth/callback?state=forged&code=x", "", "")
		if status != 400 {
			t.Errorf("callback with a forged state: %d %s", status, body)
		}
	})
	for _, to := range []string{"//evil.example", "https://evil.example/", "/\\evil.example", "evil", "/orders?x=1"} {
		want := "/"
		if to == "/orders?x=1" {
			want = to
		}
		if got := safeReturn(to); got != want {
			t.Errorf("safeReturn(%q) = %q, want %q", to, got, want)
		}
	}
}
