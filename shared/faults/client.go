package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Client reads and sets the faults of one service over HTTP: the tests and the
// demos use it.
type Client struct {
	URL  string       // the service's /admin/faults, or the gateway's /api/lab/faults/{service}
	HTTP *http.Client // nil: http.DefaultClient
}

// Admin returns a client of the faults of the service at serviceURL.
func Admin(serviceURL string) Client {
	return Client{URL: strings.TrimRight(serviceURL, "/") + "/admin/faults"}
}

// ViaGateway returns a client of the faults of the named service through the gateway at gatewayURL.
func ViaGateway(gatewayURL, service string) Client {
	return Client{URL: strings.TrimRight(gatewayURL, "/") + "/api/lab/faults/" + url.PathEscape(service)}
}

// Get returns the service's faults and counters.
func (c Client) Get(ctx context.Context) (Status, error) {
	return c.do(ctx, http.MethodGet, nil)
}

// Set puts the settings in force at the service and returns its status.
func (c Client) Set(ctx context.Context, s Settings) (Status, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return Status{}, err
	}
	return c.do(ctx, http.MethodPut, b)
}

func (c Client) do(ctx context.Context, method string, body []byte) (Status, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.URL, bytes.NewReader(body))
	if err != nil {
		return Status{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Status{}, fmt.Errorf("%s %s: %w", method, c.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Status{}, fmt.Errorf("%s %s: %w", method, c.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Status{}, fmt.Errorf("%s %s: %s: %s", method, c.URL, resp.Status, b)
	}
	var st Status
	if err := json.Unmarshal(b, &st); err != nil {
		return Status{}, fmt.Errorf("%s %s: decode %s: %w", method, c.URL, b, err)
	}
	return st, nil
}
