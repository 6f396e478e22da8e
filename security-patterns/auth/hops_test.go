package auth

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/microservice-patterns/lab/shared/app"
)

// TestExchangeHops exchanges a user's token hop by hop as the gateway and
// ordering do: each new token is addressed to one service, narrowed, and
// names the actors in act; a token addressed to ordering is refused by the
// warehouse, and a token not issued to the exchanging client is not exchanged.
func TestExchangeHops(t *testing.T) {
	l := startLab(t, "test-exchange", Policy{}, func(s app.Scope, set Settings) Outbound {
		x := NewExchanger(s.Service, set)
		return Outbound{For: func(callee string) Source { return Exchanged(x, callee) }}
	})
	ctx := context.Background()
	ada := l.login("ada")
	if aud := claimsOf(t, ada)["aud"]; !slices.Equal(toStrings(aud), []string{"gateway"}) {
		t.Fatalf("a user's token is addressed to %v, want the gateway alone", aud)
	}
	atOrdering, err := NewExchanger("gateway", l.settings).Exchange(ctx, ada, "ordering")
	if err != nil {
		t.Fatal(err)
	}
	c := claimsOf(t, atOrdering)
	if !slices.Equal(toStrings(c["aud"]), []string{"ordering"}) || c["sub"] != "ada" || c["customer_id"] != Users[0].CustomerID {
		t.Errorf("gateway → ordering: %v", c)
	}
	if act, _ := c["act"].(map[string]any); act["sub"] != "gateway" {
		t.Errorf("act of the first hop: %v", c["act"])
	}
	atWarehouse, err := NewExchanger("ordering", l.settings).Exchange(ctx, atOrdering, "warehouse")
	if err != nil {
		t.Fatal(err)
	}
	w := claimsOf(t, atWarehouse)
	act, _ := w["act"].(map[string]any)
	inner, _ := act["act"].(map[string]any)
	if act["sub"] != "ordering" || inner["sub"] != "gateway" {
		t.Errorf("act of the second hop: %v, want ordering acting for gateway", w["act"])
	}
	scopes := strings.Fields(w["scope"].(string))
	if slices.Contains(scopes, "orders:write") || !slices.Contains(scopes, "reservations:internal") || slices.Contains(scopes, "customers:read") {
		t.Errorf("ordering → warehouse scopes %v: want narrowed to the hop (no orders:write, no customers:read)", scopes)
	}
	if status, _, body := call(t, http.MethodGet, l.st.Services["warehouse"]+"/api/reservations?orderId=11111111-1111-4111-8111-000000000009", atOrdering, ""); status != 401 {
		t.Errorf("a token for ordering at the warehouse: %d %s", status, body)
	}
	if status, _, body := call(t, http.MethodGet, l.st.Services["warehouse"]+"/api/reservations?orderId=11111111-1111-4111-8111-000000000009", atWarehouse, ""); status != 200 {
		t.Errorf("the exchanged token at the warehouse: %d %s", status, body)
	}
	if _, err := NewExchanger("billing", l.settings).Exchange(ctx, ada, "ordering"); err == nil {
		t.Error("billing exchanged a token that was not issued to it")
	}
	if _, err := NewExchanger("gateway", l.settings).Exchange(ctx, ada, "nowhere"); err == nil {
		t.Error("an exchange for an audience the client never calls succeeded")
	}
	// A burst of calls for a token not cached yet costs one exchange.
	x := NewExchanger("gateway", l.settings)
	start, tokens := make(chan struct{}), make(chan string, 8)
	var wg sync.WaitGroup
	for range cap(tokens) {
		wg.Go(func() {
			<-start
			tok, err := x.Exchange(ctx, ada, "ordering")
			if err != nil {
				t.Errorf("one of concurrent exchanges: %v", err)
			}
			tokens <- tok
		})
	}
	close(start)
	wg.Wait()
	close(tokens)
	first := <-tokens
	for tok := range tokens {
		if tok != first || tok == "" {
			t.Errorf("concurrent exchanges answered different tokens")
		}
	}
	if n := x.Fetched(); n != 1 {
		t.Errorf("%d exchanges at the provider for %d concurrent calls of one subject and audience, want 1", n, cap(tokens))
	}
	// A caller that gives up fails alone: one that waits on the same
	// exchange gets its token.
	x = NewExchanger("gateway", l.settings)
	gaveUp, giveUp := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := x.Exchange(gaveUp, ada, "ordering")
		done <- err
	}()
	giveUp()
	if tok, err := x.Exchange(ctx, ada, "ordering"); err != nil || tok == "" {
		t.Errorf("beside a caller that gave up: %q, %v", tok, err)
	}
	<-done
	// The whole flow through the gateway: every hop exchanges.
	order := newOrder(t, l.st.URL, ada, Users[0].CustomerID)
	if status, _, body := call(t, http.MethodPost, l.st.URL+"/api/orders/"+order+"/items", ada, `{"productId":"22222222-2222-4222-8222-000000000001","quantity":1}`); status != 201 {
		t.Errorf("add an item through exchanged tokens: %d %s", status, body)
	}
}

// TestClientCredentials: a service's own token is addressed to its callee
// with that hop's scopes and fetched once; a user's token at /internal/ is refused.
func TestClientCredentials(t *testing.T) {
	l := startLab(t, "test-credentials", Policy{UserAudience: append([]string{"gateway"}, Services...)}, func(s app.Scope, set Settings) Outbound {
		if s.Service == "gateway" {
			return Outbound{For: func(string) Source { return Relayed }}
		}
		tokens := NewServiceTokens(s.Service, set)
		return Outbound{For: func(callee string) Source { return Own(tokens, callee) }}
	})
	ctx := context.Background()
	ada := l.login("ada")
	if status, h, body := call(t, http.MethodPost, l.st.Services["warehouse"]+"/internal/reservations", ada, `{}`); status != 403 ||
		!strings.Contains(h.Get("WWW-Authenticate"), "insufficient_scope") {
		t.Errorf("a user's token at /internal/: %d %s", status, body)
	}
	tokens := NewServiceTokens("ordering", l.settings)
	tok, err := tokens.For(ctx, "warehouse")
	if err != nil {
		t.Fatal(err)
	}
	c := claimsOf(t, tok)
	if c["sub"] != "ordering" || !slices.Equal(toStrings(c["aud"]), []string{"warehouse", "ordering"}) && !slices.Contains(toStrings(c["aud"]), "warehouse") {
		t.Errorf("ordering's own token for the warehouse: %v", c)
	}
	if again, _ := tokens.For(ctx, "warehouse"); again != tok || tokens.Fetched() != 1 {
		t.Errorf("the token was fetched %d times, want once (cached)", tokens.Fetched())
	}
	if _, err := NewServiceTokens("shipping", l.settings).For(ctx, "warehouse"); err == nil {
		t.Error("shipping got a token for the warehouse, which it never calls")
	}
	order := newOrder(t, l.st.URL, ada, Users[0].CustomerID)
	if status, _, body := call(t, http.MethodPost, l.st.URL+"/api/orders/"+order+"/items", ada, `{"productId":"22222222-2222-4222-8222-000000000001","quantity":1}`); status != 201 {
		t.Errorf("add an item with the services' own tokens: %d %s", status, body)
	}
}

func toStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, s := range v {
			out = append(out, s.(string))
		}
		return out
	}
	return nil
}
