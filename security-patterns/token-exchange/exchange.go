package tokenexchange

import (
	"github.com/microservice-patterns/lab/security-patterns/auth"
	"github.com/microservice-patterns/lab/shared/app"
)

// Token exchange: a token per hop. The failure it addresses is the token
// relay's — a token stolen anywhere is good everywhere; here a token opens
// one service, for the operations of one hop, and says who passed it on.

// exchange sends every call with the request's token exchanged for one
// addressed to the callee (cached for the subject and the callee until
// shortly before it expires).
func exchange(s app.Scope, settings auth.Settings) auth.Outbound {
	x := auth.NewExchanger(s.Service, settings)
	return auth.Outbound{
		For: func(callee string) auth.Source { return auth.Exchanged(x, callee) },
		State: func() app.Table {
			return app.Table{Columns: []string{"client", "exchanges"}, Rows: [][]any{{s.Service, x.Fetched()}}}
		},
	}
}
