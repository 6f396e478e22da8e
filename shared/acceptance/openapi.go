package acceptance

// Contract checking: every request the suite sends and every answer it gets is
// validated against docs/openapi.yaml, so a variant cannot drift from the published
// contract without a test noticing.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/microservice-patterns/lab/docs"
)

// ContractInvalidOnPurposeHeader marks a request that breaks the contract on purpose
// (to see it refused): its value "1" tells the ContractChecker not to validate the
// request, nor to blame an unknown path or method. The checker strips it before sending.
const ContractInvalidOnPurposeHeader = "X-Lab-Invalid-On-Purpose"

// ContractChecker validates requests and responses against the OpenAPI description
// and collects every mismatch. It is safe for concurrent use.
type ContractChecker struct {
	router  routers.Router
	options openapi3filter.Options

	mu       sync.Mutex
	failures []string
}

// NewContractChecker returns a checker for docs/openapi.yaml.
func NewContractChecker() (*ContractChecker, error) {
	return newContractChecker(docs.OpenAPI)
}

func newContractChecker(spec []byte) (*ContractChecker, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI description: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validate the OpenAPI description: %w", err)
	}
	// Tests listen on ports of their own: match on the path alone, whatever the
	// servers the description names.
	doc.Servers = nil
	for _, item := range doc.Paths.Map() {
		item.Servers = nil
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI description: %w", err)
	}
	c := &ContractChecker{router: router, options: openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		SkipSettingDefaults:   true, // never rewrite what the test sends
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}}
	c.options.WithCustomSchemaErrorFunc(schemaErrorMessage)
	return c, nil
}

// Transport returns a RoundTripper that sends every request through next (the
// default transport when nil) and checks it and its response against the contract.
// Mismatches never change the response; they are collected for Failures.
func (c *ContractChecker) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &contractTransport{checker: c, next: next}
}

// Failures returns every mismatch seen so far, in the order they were seen.
func (c *ContractChecker) Failures() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.failures...)
}

// Report fails tb once for every mismatch seen so far.
func (c *ContractChecker) Report(tb testing.TB) {
	tb.Helper()
	for _, f := range c.Failures() {
		tb.Errorf("contract: %s", f)
	}
}

func (c *ContractChecker) failf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures = append(c.failures, fmt.Sprintf(format, args...))
}

type contractTransport struct {
	checker *ContractChecker
	next    http.RoundTripper
}

func (t *contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := t.checker
	onPurpose := req.Header.Get(ContractInvalidOnPurposeHeader) == "1"
	req = req.Clone(req.Context()) // a RoundTripper must not change its caller's request
	req.Header.Del(ContractInvalidOnPurposeHeader)
	body, err := bufferRequestBody(req)
	if err != nil {
		return nil, err
	}
	name := req.Method + " " + req.URL.RequestURI()

	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if !onPurpose {
			c.failf("%s: not in the OpenAPI description (%v)", name, err)
		}
		return t.next.RoundTrip(req)
	}
	input := &openapi3filter.RequestValidationInput{
		Request: withBody(req, body), PathParams: params, Route: route, Options: &c.options,
	}
	if !onPurpose {
		if err := openapi3filter.ValidateRequest(req.Context(), input); err != nil {
			c.failf("%s: request: %v", name, err)
		}
	}

	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	c.checkResponse(name, input, resp)
	return resp, nil
}

// checkResponse validates resp; it reads and restores the body, except for an event
// stream, whose status alone is checked (its body may never end).
func (c *ContractChecker) checkResponse(name string, in *openapi3filter.RequestValidationInput, resp *http.Response) {
	opts := c.options
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: &opts,
	}
	if mediaType == "text/event-stream" {
		opts.ExcludeResponseBody = true
		out.Body = http.NoBody
	} else {
		data, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data), errReader{err}))
		if err != nil {
			return // the caller sees the read error itself
		}
		out.Body = io.NopCloser(bytes.NewReader(data))
	}
	if err := openapi3filter.ValidateResponse(in.Request.Context(), out); err != nil {
		c.failf("%s: response %d: %v", name, resp.StatusCode, err)
	}
}

// bufferRequestBody reads req's body into memory and makes req replayable.
func bufferRequestBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	data, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read the request body: %w", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(data))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return data, nil
}

// withBody returns a copy of req whose body is data, for the validator to consume.
func withBody(req *http.Request, data []byte) *http.Request {
	r := req.Clone(req.Context())
	r.Body = http.NoBody
	if data != nil {
		r.Body = io.NopCloser(bytes.NewReader(data))
	}
	return r
}

// schemaErrorMessage keeps a schema mismatch to one line: where, and what is wrong.
func schemaErrorMessage(err *openapi3.SchemaError) string {
	where := "/" + strings.Join(err.JSONPointer(), "/")
	return where + ": " + err.Reason
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err == nil {
		return 0, io.EOF
	}
	return 0, r.err
}
