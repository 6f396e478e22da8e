// Package tokenexchange is the token exchange (RFC 8693): the gateway
// exchanges the session's token for one addressed to the first service, and
// each service exchanges the token it got for one addressed to its callee,
// with the scopes of that hop only and the chain of actors in act
// (exchange.go). A token addressed to ordering is refused by the warehouse.
package tokenexchange

import (
	"github.com/microservice-patterns/lab/security-patterns/auth"
	"github.com/microservice-patterns/lab/shared/app"
)

// Pattern is the token exchange, as the lab's catalogue lists it.
var Pattern = app.RegisterPattern(auth.NewPattern("token-exchange",
	"each hop exchanges its token for one addressed to its callee, narrowed in scope, with the actors in act",
	exchange, auth.Policy{}), "rest")
