// Package clients holds typed HTTP clients of the services' APIs. Each one
// satisfies the ports that other services declare, so that wiring can hand a
// service its neighbours over synchronous HTTP.
package clients

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// Client calls one service over HTTP and turns its answers into domain values and errors.
type Client struct {
	name string
	base string
	http *http.Client
}

// New returns a client of the named service at baseURL.
func New(name, baseURL string, hc *http.Client) *Client {
	return &Client{name: name, base: strings.TrimRight(baseURL, "/"), http: hc}
}

// Name is the name of the service the client calls.
func (c *Client) Name() string { return c.name }

// do sends the request and decodes a 2xx JSON answer into out. A transport failure
// is CodeUnavailable (or CodeTimeout when the context's deadline passed); an error
// answer keeps the code of its status, and a 5xx without one is CodeBadGateway.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	_, err := c.exchange(ctx, method, path, in, out)
	return err
}

// get is do for a GET that also answers the response's headers.
func (c *Client) get(ctx context.Context, path string, out any) (http.Header, error) {
	return c.exchange(ctx, http.MethodGet, path, nil, out)
}

func (c *Client) exchange(ctx context.Context, method, path string, in, out any) (http.Header, error) {
	var body io.Reader
	if in != nil {
		b, err := httpx.JSONBody(in)
		if err != nil {
			return nil, fmt.Errorf("encode request to %s: %w", c.name, err)
		}
		body = b
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, fmt.Errorf("build request to %s: %w", c.name, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if id := httpx.RequestID(ctx); id != "" {
		req.Header.Set(httpx.RequestIDHeader, id)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return nil, c.statusError(resp)
	}
	if out == nil {
		return resp.Header, nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(out); err != nil {
		return nil, &domain.Error{Code: domain.CodeBadGateway, Message: c.name + " answered with a body that is not the expected JSON", Err: err}
	}
	return resp.Header, nil
}

// all reads a whole list: the page at path, then each page its Link header
// names as rel="next" (docs/openapi.yaml), up to maxPages.
func all[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	var list []T
	for range maxPages {
		var page []T
		h, err := c.get(ctx, path, &page)
		if err != nil {
			return nil, err
		}
		list = append(list, page...)
		if path = httpx.NextLink(h.Get("Link")); path == "" {
			return list, nil
		}
		if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
			return nil, &domain.Error{Code: domain.CodeBadGateway, Message: c.name + " answered a next page outside its own paths"}
		}
	}
	return nil, &domain.Error{Code: domain.CodeBadGateway, Message: fmt.Sprintf("%s answered more than %d pages", c.name, maxPages)}
}

// maxPages bounds how many pages all follows.
const maxPages = 1000

func (c *Client) transportError(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &domain.Error{Code: domain.CodeTimeout, Message: c.name + " did not answer in time", Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &domain.Error{Code: domain.CodeUnavailable, Message: "the call to " + c.name + " was cancelled", Err: err}
	}
	var de *domain.Error
	if errors.As(err, &de) {
		// A decorating transport (breaker, bulkhead …) refused the call with its own code.
		return de
	}
	return &domain.Error{Code: domain.CodeUnavailable, Message: c.name + " is unavailable", Err: err}
}

func (c *Client) statusError(resp *http.Response) error {
	var p httpx.Problem
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&p)
	code := httpx.CodeOf(resp.StatusCode)
	if code == domain.CodeInternal {
		code = domain.CodeBadGateway
	}
	detail := p.Detail
	if detail == "" {
		detail = resp.Status
	}
	return &domain.Error{Code: code, Message: c.name + ": " + detail, Fields: p.Errors}
}
