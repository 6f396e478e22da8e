package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// remote is the provider as its clients see it, found by discovery on first
// use (the services may start before it answers) and kept once found.
type remote struct {
	settings Settings
	http     *http.Client
	mu       sync.Mutex
	provider *oidc.Provider
	meta     metadata
}

// metadata are the endpoints of the discovery document that go-oidc does not keep.
type metadata struct {
	Introspection string `json:"introspection_endpoint"`
	Revocation    string `json:"revocation_endpoint"`
	EndSession    string `json:"end_session_endpoint"`
}

func newRemote(s Settings) *remote {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	return &remote{settings: s, http: &http.Client{Transport: t, Timeout: 10 * time.Second}}
}

// ctx carries the remote's HTTP client for go-oidc and oauth2.
func (r *remote) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(context.WithValue(ctx, oauth2.HTTPClient, r.http), r.http)
}

// get returns the discovered provider.
func (r *remote) get(ctx context.Context) (*oidc.Provider, metadata, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.provider != nil {
		return r.provider, r.meta, nil
	}
	// Keys fetched later must not die with the request that found the provider.
	p, err := oidc.NewProvider(r.ctx(context.WithoutCancel(ctx)), r.settings.Issuer)
	if err != nil {
		return nil, metadata{}, fmt.Errorf("discover the identity provider at %s: %w", r.settings.Issuer, err)
	}
	var m metadata
	if err := p.Claims(&m); err != nil {
		return nil, metadata{}, err
	}
	r.provider, r.meta = p, m
	return p, m, nil
}

// postForm posts a form to an endpoint of the provider as a confidential
// client and decodes the JSON answer into out.
func (r *remote) postForm(ctx context.Context, endpoint, clientID, secret string, form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if clientID != "" {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return &ProviderError{Status: resp.StatusCode, Body: strings.TrimSpace(string(body))}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(body, out)
}

// ProviderError is an error answer of the provider's token endpoint.
type ProviderError struct {
	Status int
	Body   string
}

func (e *ProviderError) Error() string {
	return fmt.Sprintf("the identity provider answered %d: %s", e.Status, e.Body)
}

var errNoToken = errors.New("no token to pass on")
