package clientcredentials

import (
	"github.com/microservice-patterns/lab/security-patterns/auth"
	"github.com/microservice-patterns/lab/shared/app"
)

// Client credentials: a service speaks for itself. The failure it addresses
// is a user's token reaching operations no user may call; what it loses is
// the user downstream — the callee sees only the calling service.

// policy: users' tokens are addressed to the gateway and to the services
// the gateway relays them to, and never carry an internal scope.
var policy = auth.Policy{UserAudience: append([]string{"gateway"}, auth.Services...)}

// credentials sends a service's calls with its own token for the callee, and
// the gateway's with the user's token.
func credentials(s app.Scope, settings auth.Settings) auth.Outbound {
	if s.Service == "gateway" {
		return auth.Outbound{For: func(string) auth.Source { return auth.Relayed }}
	}
	t := auth.NewServiceTokens(s.Service, settings)
	return auth.Outbound{
		For: func(callee string) auth.Source { return auth.Own(t, callee) },
		State: func() app.Table {
			return app.Table{Columns: []string{"client", "tokensFetched"}, Rows: [][]any{{s.Service, t.Fetched()}}}
		},
	}
}
