package auth

import (
	"context"
	"testing"
)

// BenchmarkVerify is what one hop of a security pattern spends on the token
// it receives: the verification of a user's access token (RS256, the keys
// cached) by the gateway or a service.
// go test -run '^$' -bench Verify -benchmem ./security-patterns/auth/
func BenchmarkVerify(b *testing.B) {
	_, settings := startProvider(b)
	ctx := context.Background()
	tok, err := CLILogin(ctx, settings, "admin", DefaultPassword)
	if err != nil {
		b.Fatal(err)
	}
	v := NewVerifier("gateway", settings)
	if _, err := v.Verify(ctx, tok); err != nil { // discovery and the keys, once
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
