package acceptance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/httpx"
)

// API is a client of the lab's public API through the gateway, as any client would use it.
type API struct {
	t     testing.TB
	base  string
	http  *http.Client
	token string // sent as a bearer token when set
}

// authorize adds the suite's bearer token, if it has one, to req.
func (a *API) authorize(req *http.Request) {
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
}

// Response is a decoded answer.
type Response struct {
	Status  int
	Header  http.Header
	Body    []byte
	Problem problem
}

type problem struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail"`
	Instance string              `json:"instance"`
	Errors   []domain.FieldError `json:"errors"`
}

// Do sends a request with a raw body ("" for none) and returns the answer.
// invalid marks a request that is wrong on purpose, so the contract checker does
// not blame the suite for it.
func (a *API) Do(method, path, body string, invalid bool) Response {
	a.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatalf("build %s %s: %v", method, path, err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if invalid {
		req.Header.Set(ContractInvalidOnPurposeHeader, "1")
	}
	a.authorize(req)
	resp, err := a.http.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	r := Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	if resp.StatusCode >= 400 {
		_ = json.Unmarshal(b, &r.Problem)
	}
	return r
}

// call sends v as JSON, wants the status, and decodes the answer into out.
func (a *API) call(method, path string, v any, want int, out any) Response {
	a.t.Helper()
	body := ""
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			a.t.Fatalf("encode: %v", err)
		}
		body = string(b)
	}
	r := a.Do(method, path, body, false)
	if r.Status != want {
		a.t.Fatalf("%s %s: got status %d, want %d; body %s", method, path, r.Status, want, r.Body)
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			a.t.Fatalf("%s %s: decode %s: %v", method, path, r.Body, err)
		}
	}
	return r
}

// Get decodes the 200 answer of GET path into out.
func (a *API) Get(path string, out any) {
	a.t.Helper()
	a.call(http.MethodGet, path, nil, http.StatusOK, out)
}

// GetAll decodes a whole list into out (a pointer to a slice): the page at
// path, then every page its Link header names as rel="next".
func GetAll[T any](a *API, path string, out *[]T) {
	a.t.Helper()
	*out = (*out)[:0]
	for pages := 0; path != ""; pages++ {
		if pages > 1000 {
			a.t.Fatalf("GET %s: more than 1000 pages", path)
		}
		var page []T
		r := a.call(http.MethodGet, path, nil, http.StatusOK, &page)
		*out = append(*out, page...)
		path = httpx.NextLink(r.Header.Get("Link"))
	}
}

// Post sends v and decodes the answer, which must have status want, into out.
func (a *API) Post(path string, v any, want int, out any) Response {
	a.t.Helper()
	return a.call(http.MethodPost, path, v, want, out)
}

// Delete sends DELETE and decodes the answer, which must have status want, into out.
func (a *API) Delete(path string, want int, out any) {
	a.t.Helper()
	a.call(http.MethodDelete, path, nil, want, out)
}

// Eventually polls cond until it holds or the timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for wait := 2 * time.Millisecond; ; wait = min(wait*2, 100*time.Millisecond) {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(wait)
	}
}

// jsonBody renders v as JSON for a raw request.
func jsonBody(v any) string {
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		panic(fmt.Sprintf("encode %v: %v", v, err))
	}
	return b.String()
}

// errNotFound marks a 404 answer of try.
var errNotFound = errors.New("not found")

// try is call without failing the test: for load loops running on other goroutines.
func (s *Suite) try(method, path string, v any, want int, out any) error {
	var body io.Reader
	if v != nil {
		body = strings.NewReader(jsonBody(v))
	}
	req, err := http.NewRequest(method, s.api.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	s.api.authorize(req)
	resp, err := s.api.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		err := fmt.Errorf("%s %s: got %d, want %d: %s", method, path, resp.StatusCode, want, b)
		if resp.StatusCode == http.StatusNotFound {
			err = errors.Join(errNotFound, err)
		}
		return err
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
