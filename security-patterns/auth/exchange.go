package auth

import (
	"context"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// ValidateTokenExchangeRequest checks an RFC 8693 exchange: the subject token
// is an access token this provider issued to the exchanging client (its
// audience names the client) and still active; the new token is addressed to
// one service the client calls; its scopes are narrowed to the hop's — a
// user's scopes only as far as the subject token held them, the internal
// ones as far as the client may hold them.
func (s *storage) ValidateTokenExchangeRequest(_ context.Context, r op.TokenExchangeRequest) error {
	if r.GetRequestedTokenType() == "" {
		r.SetRequestedTokenType(oidc.AccessTokenType)
	}
	if r.GetRequestedTokenType() != oidc.AccessTokenType || r.GetExchangeSubjectTokenType() != oidc.AccessTokenType {
		return oidc.ErrInvalidRequest().WithDescription("only access tokens are exchanged, for access tokens")
	}
	if r.GetExchangeActorTokenIDOrToken() != "" {
		return oidc.ErrInvalidRequest().WithDescription("the actor is the authenticated client: send no actor_token")
	}
	subject, ok := s.active(r.GetExchangeSubjectTokenIDOrToken())
	if !ok {
		return oidc.ErrInvalidGrant().WithDescription("the subject token is not an active access token of this provider")
	}
	client := r.GetClientID()
	if !slices.Contains(subject.audience, client) {
		return oidc.ErrInvalidGrant().WithDescription("the subject token was not issued to %s", client)
	}
	aud := r.GetAudience()
	if len(aud) != 1 || CallScopes(client, aud[0]) == nil {
		return oidc.ErrInvalidTarget().WithDescription("%s may exchange for a token addressed to one service it calls", client)
	}
	hop := CallScopes(client, aud[0])
	asked := r.GetScopes()
	if len(asked) == 0 {
		asked = hop
	}
	var granted []string
	for _, sc := range intersect(asked, hop) {
		if (isInternal(sc) && slices.Contains(clientScopes(client), sc)) || slices.Contains(subject.scopes, sc) {
			granted = append(granted, sc)
		}
	}
	if len(granted) == 0 {
		return oidc.ErrInvalidScope().WithDescription("no scope asked for may be granted on this hop")
	}
	r.SetCurrentScopes(granted)
	return nil
}

func (s *storage) CreateTokenExchangeRequest(context.Context, op.TokenExchangeRequest) error {
	return nil // nothing is kept beyond the token it issues
}

// GetPrivateClaimsFromTokenExchangeRequest gives the new token the user's
// claims and the chain of actors: act names the exchanging client, and
// nests the subject token's own act.
func (s *storage) GetPrivateClaimsFromTokenExchangeRequest(_ context.Context, r op.TokenExchangeRequest) (map[string]any, error) {
	return privateClaims(r.GetSubject(), r.GetScopes(), actorOf(r)), nil
}

// actorOf is the act claim of an exchange's new token.
func actorOf(r op.TokenExchangeRequest) map[string]any {
	act := map[string]any{"sub": r.GetClientID()}
	if prev, ok := r.GetExchangeSubjectTokenClaims()["act"].(map[string]any); ok {
		act["act"] = prev
	}
	return act
}

func (s *storage) SetUserinfoFromTokenExchangeRequest(_ context.Context, info *oidc.UserInfo, r op.TokenExchangeRequest) error {
	setUserinfo(info, r.GetSubject())
	return nil
}
