// Package auth is what the three security patterns share: the lab's identity
// provider (the auth process, on zitadel/oidc's op package with a storage of
// its own, in memory), the verification of access tokens at the gateway and
// at every service (go-oidc, plus the checks go-oidc leaves out), the rules
// of CONTRACT.md (scopes, ownership), the gateway as a backend-for-frontend,
// and the clients that fetch tokens (client credentials, token exchange, and
// the command line's authorization code with PKCE).
//
// It is shared by the security patterns only; nothing in shared/ knows it.
package auth

import (
	"slices"
	"strings"
)

// User is a demo user of CONTRACT.md; every one has the password
// LAB_DEMO_PASSWORD (default "lab").
type User struct {
	Name       string // the login name, the tokens' sub
	FullName   string
	Role       string // customer or admin
	CustomerID string // the seed customer a customer is
}

// Users are the lab's users.
var Users = []User{
	{"ada", "Ada Lovelace", RoleCustomer, "11111111-1111-4111-8111-000000000001"},
	{"grace", "Grace Hopper", RoleCustomer, "11111111-1111-4111-8111-000000000002"},
	{"alan", "Alan Turing", RoleCustomer, "11111111-1111-4111-8111-000000000003"},
	{"margaret", "Margaret Hamilton", RoleCustomer, "11111111-1111-4111-8111-000000000004"},
	{"admin", "Lab Administrator", RoleAdmin, ""},
}

// The roles.
const (
	RoleCustomer = "customer"
	RoleAdmin    = "admin"
)

func findUser(name string) (User, bool) {
	i := slices.IndexFunc(Users, func(u User) bool { return u.Name == name })
	if i < 0 {
		return User{}, false
	}
	return Users[i], true
}

// The scopes of CONTRACT.md: the public API's, then one per internal operation.
var (
	PublicScopes = []string{"customers:read", "customers:write", "products:read", "products:write",
		"orders:read", "orders:write", "shipments:read", "invoices:read"}
	InternalScopes = []string{"reservations:internal", "shipments:internal", "invoices:internal"}
)

// customerScopes are the public scopes a customer may hold: no writes of
// products or customers.
var customerScopes = []string{"customers:read", "products:read", "orders:read", "orders:write", "shipments:read", "invoices:read"}

// userScopes returns the scopes u may hold; internal adds the internal ones
// (the token relay's policy, its weakness).
func userScopes(u User, internal bool) []string {
	s := customerScopes
	if u.Role == RoleAdmin {
		s = PublicScopes
	}
	if internal {
		s = append(slices.Clone(s), InternalScopes...)
	}
	return s
}

// Services are the five services: each one is a confidential client of the
// provider named after it, and the audience of the tokens addressed to it.
var Services = []string{"customers", "ordering", "warehouse", "shipping", "billing"}

// owner is the service whose API a scope opens: the audience of a client's
// own token for that scope.
var owner = map[string]string{
	"customers:read": "customers", "customers:write": "customers",
	"products:read": "warehouse", "products:write": "warehouse", "reservations:internal": "warehouse",
	"orders:read": "ordering", "orders:write": "ordering",
	"shipments:read": "shipping", "shipments:internal": "shipping",
	"invoices:read": "billing", "invoices:internal": "billing",
}

// calls are the scopes each hop of the order flow needs: what a caller's
// token for its callee may carry (client credentials), and what an exchange
// narrows a token to. The gateway's hops carry, besides the first service's
// own scopes, those the service needs downstream on the user's behalf.
var calls = map[string]map[string][]string{
	"gateway": {
		"customers": {"customers:read", "customers:write"},
		"warehouse": {"products:read", "products:write", "orders:read"},
		"ordering":  {"orders:read", "orders:write", "customers:read", "products:read"},
		"shipping":  {"shipments:read"},
		"billing":   {"invoices:read"},
	},
	"ordering": {
		"customers": {"customers:read"},
		"warehouse": {"products:read", "orders:read", "reservations:internal"},
		"shipping":  {"shipments:internal", "orders:read", "customers:read"},
		"billing":   {"invoices:internal", "orders:read", "customers:read"},
	},
	"shipping": {"ordering": {"orders:read"}, "customers": {"customers:read"}},
	"billing":  {"ordering": {"orders:read"}, "customers": {"customers:read"}},
}

// CallScopes returns the scopes caller's token for callee needs, or nil.
func CallScopes(caller, callee string) []string { return calls[caller][callee] }

// clientScopes returns every scope a service's own token may carry.
func clientScopes(service string) []string {
	var out []string
	for _, s := range calls[service] {
		for _, scope := range s {
			if !slices.Contains(out, scope) {
				out = append(out, scope)
			}
		}
	}
	return out
}

func isInternal(scope string) bool { return strings.HasSuffix(scope, ":internal") }

// intersect returns the scopes of a that b holds too, in a's order.
func intersect(a, b []string) []string {
	var out []string
	for _, s := range a {
		if slices.Contains(b, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
