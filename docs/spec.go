// Package docs holds the lab's OpenAPI description, the contract every variant serves.
package docs

import _ "embed"

// OpenAPI is docs/openapi.yaml: the OpenAPI 3.1 description of the public API behind the
// gateway, the /api/lab endpoints, the health endpoints and the service-to-service
// /internal/ endpoints (marked x-internal).
//
//go:embed openapi.yaml
var OpenAPI []byte
