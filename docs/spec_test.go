package docs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/microservice-patterns/lab/docs"
)

func mustLoadSpec(tb testing.TB) *openapi3.T {
	tb.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		tb.Fatalf("load openapi.yaml: %v", err)
	}
	return doc
}

func TestOpenAPI_Validates(t *testing.T) {
	doc := mustLoadSpec(t)
	if got, want := doc.OpenAPI, "3.1.0"; got != want {
		t.Errorf("openapi version: got %q, want %q", got, want)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not valid: %v", err)
	}
}

// contractOperations lists every operation CONTRACT.md names.
var contractOperations = map[string][]string{
	"/api/customers":                                 {"GET", "POST"},
	"/api/customers/{customerId}":                    {"GET"},
	"/api/products":                                  {"GET", "POST"},
	"/api/products/{productId}":                      {"GET"},
	"/api/reservations":                              {"GET"},
	"/api/reservations/{reservationId}":              {"GET"},
	"/api/orders":                                    {"GET", "POST"},
	"/api/orders/{orderId}":                          {"GET"},
	"/api/orders/{orderId}/events":                   {"GET"}, // event-sourcing only
	"/api/orders/{orderId}/items":                    {"POST"},
	"/api/orders/{orderId}/items/{itemId}":           {"GET", "DELETE"},
	"/api/orders/{orderId}/confirm":                  {"POST"},
	"/api/orders/{orderId}/cancel":                   {"POST"},
	"/api/shipments":                                 {"GET"},
	"/api/shipments/{shipmentId}":                    {"GET"},
	"/api/invoices":                                  {"GET"},
	"/api/invoices/{invoiceId}":                      {"GET"},
	"/api/lab/info":                                  {"GET"},
	"/api/lab/events":                                {"GET"},
	"/api/lab/faults/{service}":                      {"GET", "PUT"},
	"/api/lab/read-model":                            {"GET"},  // cqrs only
	"/api/lab/read-model/rebuild":                    {"POST"}, // cqrs only
	"/api/lab/breakers":                              {"GET"},
	"/healthz":                                       {"GET"},
	"/readyz":                                        {"GET"},
	"/internal/reservations":                         {"POST"},
	"/internal/reservations/{reservationId}/confirm": {"POST"},
	"/internal/reservations/{reservationId}/cancel":  {"POST"},
	"/internal/shipments":                            {"POST"},
	"/internal/invoices":                             {"POST"},
}

func TestOpenAPI_CoversTheContract(t *testing.T) {
	doc := mustLoadSpec(t)
	for path, methods := range contractOperations {
		item := doc.Paths.Value(path)
		if item == nil {
			t.Errorf("path %s is missing", path)
			continue
		}
		for _, m := range methods {
			if item.GetOperation(m) == nil {
				t.Errorf("%s %s is missing", m, path)
			}
		}
	}
	for path := range doc.Paths.Map() {
		if _, ok := contractOperations[path]; !ok {
			t.Errorf("path %s is not in the contract's list", path)
		}
	}
}

func TestOpenAPI_Conventions(t *testing.T) {
	doc := mustLoadSpec(t)
	for path, item := range doc.Paths.Map() {
		internal := strings.HasPrefix(path, "/internal/")
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", name)
			}
			if got := op.Extensions["x-internal"] == true; got != internal {
				t.Errorf("%s: x-internal is %v, want %v", name, got, internal)
			}
			if internal && (len(op.Tags) != 1 || op.Tags[0] != "internal") {
				t.Errorf("%s: tags %v, want [internal]", name, op.Tags)
			}
			checkResponses(t, name, op)
		}
	}
}

func checkResponses(t *testing.T, name string, op *openapi3.Operation) {
	t.Helper()
	for code, ref := range op.Responses.Map() {
		resp := ref.Value
		if code == "201" && resp.Headers["Location"] == nil {
			t.Errorf("%s: 201 without a Location header", name)
		}
		if (code == "503" || code == "429") && resp.Headers["Retry-After"] == nil {
			t.Errorf("%s: %s without a Retry-After header", name, code)
		}
		if code >= "400" && !strings.HasSuffix(name, " /readyz") {
			mt := resp.Content.Get("application/problem+json")
			if mt == nil || mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/Problem" {
				t.Errorf("%s: %s is not an application/problem+json Problem", name, code)
			}
		}
		if code == "500" {
			t.Errorf("%s: documents a 500, which is always a bug", name)
		}
	}
	if op.Responses.Default() != nil {
		t.Errorf("%s: a default response hides undocumented statuses", name)
	}
}
