package acceptance

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	contractOrderID = "8e4f2a6c-1d3b-4f5a-9c7e-2b8d6f0a4c21"
	contractOrder   = `{"orderId":"` + contractOrderID + `","customerId":"11111111-1111-4111-8111-000000000001",
		"name":"","description":"","status":"OPEN","items":[{"itemId":"a1c3e5f7-9b2d-4e6f-8a0c-1e3f5a7c9b31",
		"productId":"6b2d9f1e-2c4a-4e8b-8f3d-5a7c1e9b2d11","quantity":2,"unitPrice":1299,"status":"PENDING"}],
		"total":0,"currency":"EUR","createdAt":"2025-01-15T09:30:30.123456Z","updatedAt":"2025-01-15T09:30:30Z"}`
	contractProblem = `{"type":"/problems/not-found","title":"Not Found","status":404,"detail":"no such order"}`
)

// contractAnswer is what the fake server answers.
type contractAnswer struct {
	status      int
	contentType string
	body        string
	header      map[string]string
}

type contractCase struct {
	name      string
	method    string
	path      string
	body      string // sent as application/json when set
	onPurpose bool
	answer    contractAnswer
	wantFail  string // a part of the one failure wanted; "" wants none
}

var contractCases = []contractCase{
	{name: "a correct order passes", method: "GET", path: "/api/orders/" + contractOrderID,
		answer: contractAnswer{200, "application/json; charset=utf-8", contractOrder, nil}},
	{name: "a missing required field fails", method: "GET", path: "/api/orders/" + contractOrderID,
		answer:   contractAnswer{200, "application/json", strings.Replace(contractOrder, `"total":0,`, "", 1), nil},
		wantFail: "total"},
	{name: "a wrong enum value fails", method: "GET", path: "/api/orders/" + contractOrderID,
		answer:   contractAnswer{200, "application/json", strings.Replace(contractOrder, `"OPEN"`, `"LOST"`, 1), nil},
		wantFail: "/status"},
	{name: "null instead of a list fails", method: "GET", path: "/api/orders",
		answer: contractAnswer{200, "application/json", `null`, nil}, wantFail: "null"},
	{name: "an undocumented status fails", method: "GET", path: "/api/orders/" + contractOrderID,
		answer:   contractAnswer{500, "application/problem+json", `{"type":"/problems/500","title":"Internal Server Error","status":500}`, nil},
		wantFail: "status is not supported"},
	{name: "a problem+json 404 passes", method: "GET", path: "/api/orders/" + contractOrderID,
		answer: contractAnswer{404, "application/problem+json", contractProblem, nil}},
	{name: "a problem as plain JSON fails", method: "GET", path: "/api/orders/" + contractOrderID,
		answer: contractAnswer{404, "application/json", contractProblem, nil}, wantFail: "application/json"},
	{name: "a problem without a title fails", method: "GET", path: "/api/orders/" + contractOrderID,
		answer:   contractAnswer{404, "application/problem+json", `{"type":"/problems/not-found","status":404}`, nil},
		wantFail: "title"},
	{name: "an unknown path fails", method: "GET", path: "/api/nothing-here",
		answer: contractAnswer{404, "application/problem+json", contractProblem, nil}, wantFail: "not in the OpenAPI description"},
	{name: "an undocumented method fails", method: "PATCH", path: "/api/orders/" + contractOrderID,
		answer: contractAnswer{405, "application/problem+json", contractProblem, nil}, wantFail: "not in the OpenAPI description"},
	{name: "an invalid request fails", method: "POST", path: "/api/orders/" + contractOrderID + "/items",
		body:     `{"productId":"6b2d9f1e-2c4a-4e8b-8f3d-5a7c1e9b2d11","quantity":0}`,
		answer:   contractAnswer{400, "application/problem+json", strings.ReplaceAll(contractProblem, "404", "400"), nil},
		wantFail: "request"},
	{name: "a request invalid on purpose is not validated", method: "POST", path: "/api/orders/" + contractOrderID + "/items",
		body: `{"productId":"6b2d9f1e-2c4a-4e8b-8f3d-5a7c1e9b2d11","quantity":0}`, onPurpose: true,
		answer: contractAnswer{400, "application/problem+json", strings.ReplaceAll(contractProblem, "404", "400"), nil}},
	{name: "an unknown path invalid on purpose is not blamed", method: "GET", path: "/api/nothing-here", onPurpose: true,
		answer: contractAnswer{404, "application/problem+json", contractProblem, nil}},
	{name: "a malformed id fails unless on purpose", method: "GET", path: "/api/orders/42",
		answer:   contractAnswer{400, "application/problem+json", strings.ReplaceAll(contractProblem, "404", "400"), nil},
		wantFail: "orderId"},
	{name: "a create with its Location passes", method: "POST", path: "/api/orders", body: `{"customerId":"` + contractOrderID + `"}`,
		answer: contractAnswer{201, "application/json", contractOrder, map[string]string{"Location": "/api/orders/" + contractOrderID}}},
	{name: "a create without Location fails", method: "POST", path: "/api/orders", body: `{"customerId":"` + contractOrderID + `"}`,
		answer: contractAnswer{201, "application/json", contractOrder, nil}, wantFail: "Location"},
	{name: "a 503 without Retry-After fails", method: "GET", path: "/api/orders",
		answer:   contractAnswer{503, "application/problem+json", strings.ReplaceAll(contractProblem, "404", "503"), nil},
		wantFail: "Retry-After"},
	{name: "a 429 with Retry-After passes", method: "GET", path: "/api/orders",
		answer: contractAnswer{429, "application/problem+json", strings.ReplaceAll(contractProblem, "404", "429"), map[string]string{"Retry-After": "1"}}},
}

func TestContractChecker_Transport(t *testing.T) {
	for _, tc := range contractCases {
		t.Run(tc.name, func(t *testing.T) {
			var gotHeader string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotHeader = r.Header.Get(ContractInvalidOnPurposeHeader)
				for k, v := range tc.answer.header {
					w.Header().Set(k, v)
				}
				w.Header().Set("Content-Type", tc.answer.contentType)
				w.WriteHeader(tc.answer.status)
				_, _ = io.WriteString(w, tc.answer.body)
			}))
			defer srv.Close()
			checker := mustContractChecker(t)
			body := contractSend(t, checker, srv.URL, tc)

			if body != tc.answer.body {
				t.Errorf("body: got %q, want the server's %q", body, tc.answer.body)
			}
			if gotHeader != "" {
				t.Errorf("the server got %s: %q, want it stripped", ContractInvalidOnPurposeHeader, gotHeader)
			}
			failures := checker.Failures()
			switch {
			case tc.wantFail == "" && len(failures) > 0:
				t.Errorf("got failures %q, want none", failures)
			case tc.wantFail != "" && (len(failures) != 1 || !strings.Contains(failures[0], tc.wantFail)):
				t.Errorf("got failures %q, want one that mentions %q", failures, tc.wantFail)
			}
		})
	}
}

func TestContractChecker_EventStreamChecksStatusOnly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "data: {\"type\":\"order.created\"}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // a stream never ends by itself
	}))
	defer srv.Close()
	checker := mustContractChecker(t)
	client := &http.Client{Transport: checker.Transport(nil), Timeout: 5 * time.Second}

	resp, err := client.Get(srv.URL + "/api/lab/events")
	if err != nil {
		t.Fatalf("GET /api/lab/events: %v", err)
	}
	_ = resp.Body.Close()
	if got := checker.Failures(); len(got) != 0 {
		t.Errorf("got failures %q, want none", got)
	}
}

func TestContractChecker_CollectsConcurrently(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `[{"bad":true}]`)
	}))
	defer srv.Close()
	checker := mustContractChecker(t)
	client := &http.Client{Transport: checker.Transport(nil)}

	const n = 20
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := client.Get(srv.URL + "/api/customers")
			if err != nil {
				t.Errorf("GET /api/customers: %v", err)
				return
			}
			_ = resp.Body.Close()
		})
	}
	wg.Wait()
	if got := len(checker.Failures()); got != n {
		t.Errorf("got %d failures, want %d", got, n)
	}
}

func TestContractChecker_Report(t *testing.T) {
	checker := mustContractChecker(t)
	checker.failf("GET /x: broken")
	rec := &contractRecorder{TB: t}
	checker.Report(rec)
	if got, want := rec.errors, []string{"contract: GET /x: broken"}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("got %q, want %q", got, want)
	}
}

type contractRecorder struct {
	testing.TB
	errors []string
}

func (r *contractRecorder) Helper() {}

func (r *contractRecorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func mustContractChecker(tb testing.TB) *ContractChecker {
	tb.Helper()
	c, err := NewContractChecker()
	if err != nil {
		tb.Fatalf("NewContractChecker: %v", err)
	}
	return c
}

// contractSend sends tc through the checker's transport and returns the body read.
func contractSend(tb testing.TB, checker *ContractChecker, base string, tc contractCase) string {
	tb.Helper()
	var rd io.Reader
	if tc.body != "" {
		rd = strings.NewReader(tc.body)
	}
	req, err := http.NewRequest(tc.method, base+tc.path, rd)
	if err != nil {
		tb.Fatalf("build request: %v", err)
	}
	if tc.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tc.onPurpose {
		req.Header.Set(ContractInvalidOnPurposeHeader, "1")
	}
	client := &http.Client{Transport: checker.Transport(nil), Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", tc.method, tc.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read body: %v", err)
	}
	if tc.onPurpose && req.Header.Get(ContractInvalidOnPurposeHeader) != "1" {
		tb.Errorf("the transport changed the caller's request headers")
	}
	return string(b)
}
