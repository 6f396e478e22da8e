package auth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// FuzzVerify feeds the verifier anything as a token: it must never panic,
// and must accept nothing but the one token its key signed.
func FuzzVerify(f *testing.F) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	const issuer = "http://127.0.0.1:1"
	now := time.Now()
	valid := sign(&testing.T{}, key, "k1", AccessTokenType, map[string]any{"iss": issuer, "sub": "ada", "aud": []string{"ordering"},
		"exp": now.Add(time.Hour).Unix(), "nbf": now.Unix(), "iat": now.Unix(), "scope": "orders:read"})
	ks := &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&key.PublicKey}}
	v := &Verifier{audience: "ordering", now: time.Now, verifier: func(context.Context) (*oidc.IDTokenVerifier, error) {
		return oidc.NewVerifier(issuer, ks, &oidc.Config{ClientID: "ordering", SupportedSigningAlgs: []string{oidc.RS256}}), nil
	}}
	for _, seed := range []string{valid, "", ".", "..", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", valid + "x", valid[:len(valid)-4],
		"eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.bm90IGpzb24.c2ln", "Bearer " + valid} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := v.Verify(context.Background(), raw)
		if err == nil && (raw != valid || c.Subject != "ada") {
			t.Fatalf("accepted %q", raw)
		}
	})
}
