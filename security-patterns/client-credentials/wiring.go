// Package clientcredentials is client credentials between services: every
// call a service makes to another carries the caller's own token, fetched
// with its client id and secret and cached until shortly before it expires,
// with the scope of that operation (credentials.go); a user's token at
// /internal/ is refused. The gateway relays the user's token to the first
// service only.
package clientcredentials

import (
	"github.com/microservice-patterns/lab/security-patterns/auth"
	"github.com/microservice-patterns/lab/shared/app"
)

// Pattern is client credentials, as the lab's catalogue lists it.
var Pattern = app.RegisterPattern(auth.NewPattern("client-credentials",
	"services call each other with tokens of their own, a scope per internal operation, cached",
	credentials, policy), "rest")
