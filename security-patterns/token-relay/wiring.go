// Package tokenrelay is the token relay: the gateway relays the user's
// access token to the first service, and each service relays the token it
// got on every call it makes (relay.go). One token is good everywhere: its
// audience names the gateway and every service, and it carries the internal
// operations' scopes too — that is its weakness, shown in the README.
package tokenrelay

import (
	"github.com/microservice-patterns/lab/security-patterns/auth"
	"github.com/microservice-patterns/lab/shared/app"
)

// Pattern is the token relay, as the lab's catalogue lists it.
var Pattern = app.RegisterPattern(auth.NewPattern("token-relay",
	"the user's access token, verified at every hop and relayed unchanged to every service",
	relay, policy), "rest")
