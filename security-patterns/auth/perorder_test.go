package auth_test

import (
	"context"
	"net/http"
	"testing"

	_ "github.com/microservice-patterns/lab/communication-patterns/rest"
	"github.com/microservice-patterns/lab/security-patterns/auth"
	_ "github.com/microservice-patterns/lab/security-patterns/client-credentials"
	_ "github.com/microservice-patterns/lab/security-patterns/token-exchange"
	_ "github.com/microservice-patterns/lab/security-patterns/token-relay"
	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/domain"
)

// TestProviderCallsPerOrder counts, in each security pattern on rest, the
// calls the lab's processes make to the provider for one order after
// another (the provider's own count, as lab compare reads it). The first
// order pays for discovery and the keys everywhere, and for the pattern's
// tokens; the next order of the same user costs nothing, the tokens being
// cached. A new user's first order costs token exchange its exchanges again
// (they are cached per user token) and nothing more; client credentials and
// the relay nothing at all (a service's own token is no user's).
func TestProviderCallsPerOrder(t *testing.T) {
	for _, tc := range []struct {
		pattern, grant string
		perUser        bool // a new user's token costs the grant again
	}{
		{"token-relay", "", false},
		{"token-exchange", "token-exchange", true},
		{"client-credentials", "client_credentials", false},
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			lab := acceptance.StartLab(t, "rest+"+tc.pattern, "", nil)
			provider := lab.Stack.Processes["auth"]
			ada, grace := lab.Login("ada"), lab.Login("grace")
			last := readCalls(t, provider)
			if n := last.Total(auth.Call.Login); n == 0 {
				t.Errorf("the two logins were not counted apart from the processes' calls: %v", last.Calls)
			}
			order := func(token, customer string) map[string]int64 {
				t.Helper()
				s := acceptance.New(t, lab.Stack.URL, acceptance.Options{Token: token})
				o := s.CreateOrder(customer)
				s.AddItem(o.OrderID, "22222222-2222-4222-8222-000000000001", 1)
				s.API().Post("/api/orders/"+o.OrderID+"/confirm", nil, http.StatusOK, &o)
				s.WaitOrder(o.OrderID, domain.OrderCompleted)
				now := readCalls(t, provider)
				calls := now.Since(last)
				last = now
				if n := calls.Total(auth.Call.Login); n != 0 {
					t.Errorf("an order counted %d login steps: %v", n, calls.Calls)
				}
				return calls.ByLabel(func(c auth.Call) bool { return !c.Login() })
			}

			first := order(ada, auth.Users[0].CustomerID)
			if first["discovery"] == 0 || first["keys"] == 0 || (tc.grant != "" && first[tc.grant] == 0) {
				t.Errorf("the first order: %v, want discovery, the keys and %q counted", first, tc.grant)
			}
			if tc.grant == "" && len(first) != 2 {
				t.Errorf("the first order of the relay: %v, want discovery and the keys alone", first)
			}
			if again := order(ada, auth.Users[0].CustomerID); len(again) != 0 {
				t.Errorf("the same user's next order: %v, want no call (everything cached)", again)
			}
			other := order(grace, auth.Users[1].CustomerID)
			switch {
			case tc.perUser && (other[tc.grant] == 0 || len(other) != 1):
				t.Errorf("a new user's first order: %v, want %s alone", other, tc.grant)
			case tc.perUser && other[tc.grant] >= first[tc.grant]+first["discovery"]+first["keys"]:
				t.Errorf("a new user's first order cost %v, no less than the very first %v", other, first)
			case !tc.perUser && len(other) != 0:
				t.Errorf("a new user's first order: %v, want no call", other)
			}
		})
	}
}

// readCalls reads the provider's count of the calls made to it.
func readCalls(t *testing.T, provider string) auth.CallCounts {
	t.Helper()
	c, err := auth.ReadCalls(context.Background(), http.DefaultClient, provider)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
