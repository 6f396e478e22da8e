package tokenrelay

import (
	"github.com/microservice-patterns/lab/security-patterns/auth"
	"github.com/microservice-patterns/lab/shared/app"
)

// Token relay: one access token for the whole call chain. The failure it
// addresses is a service acting on a request whose user it cannot name; the
// price is that the token opens every service, /internal/ included.

// policy asks the provider for users' tokens addressed to the gateway and to
// every service, with the internal operations' scopes: a relayed token must
// be good at every hop it reaches.
var policy = auth.Policy{UserAudience: append([]string{"gateway"}, auth.Services...), UserInternal: true}

// relay sends every call with the token the request came with.
func relay(app.Scope, auth.Settings) auth.Outbound {
	return auth.Outbound{For: func(string) auth.Source { return auth.Relayed }}
}
