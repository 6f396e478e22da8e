package auth

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// TestCallCounts counts what the provider serves by endpoint, and at the
// token endpoint by grant and client (a confidential client's Basic
// credentials, the public client's form field), while op still reads the
// token requests' bodies; health and its own admin path are not counted, and
// Since, Total and ByLabel read the difference between two readings.
func TestCallCounts(t *testing.T) {
	issuer, settings := startProvider(t)
	ctx := context.Background()
	hc := http.DefaultClient
	before, err := ReadCalls(ctx, hc, issuer)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Calls) != 0 {
		t.Fatalf("a fresh provider has counted %v", before.Calls)
	}

	if _, err := NewServiceTokens("ordering", settings).For(ctx, "warehouse"); err != nil {
		t.Fatalf("ordering's own token (the token request's body must reach op whole): %v", err)
	}
	if _, err := CLILogin(ctx, settings, "ada", DefaultPassword); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/keys", "/healthz", CallsPath} {
		resp, err := hc.Get(issuer + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	after, err := ReadCalls(ctx, hc, issuer)
	if err != nil {
		t.Fatal(err)
	}
	want := []CallCount{
		{Call{Endpoint: "authorize"}, 2}, // the authorization request, and its callback after the login
		{Call{Endpoint: "discovery"}, 2}, // one per client: ordering's tokens, the command line's login
		{Call{Endpoint: "keys"}, 1},
		{Call{Endpoint: "login"}, 2}, // the page, and the form posted
		{Call{Endpoint: "token", Grant: "authorization_code", Client: "cli"}, 1},
		{Call{Endpoint: "token", Grant: "client_credentials", Client: "ordering"}, 1},
	}
	if got := after.Since(before).Calls; !reflect.DeepEqual(got, want) {
		t.Errorf("counted\n%v\nwant\n%v", got, want)
	}
	processes := func(c Call) bool { return !c.Login() }
	if got := after.Total(processes); got != 4 {
		t.Errorf("calls of the lab's processes: got %d, want 4 (discovery ×2, keys, client_credentials)", got)
	}
	if got, want := after.ByLabel(processes), map[string]int64{"discovery": 2, "keys": 1, "client_credentials": 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("by label: got %v, want %v", got, want)
	}
	if again, _ := ReadCalls(ctx, hc, issuer); len(again.Since(after).Calls) != 0 {
		t.Errorf("reading the counts counted something: %v", again.Since(after).Calls)
	}
}

// startProvider serves a provider alone on a loopback port until the test
// ends, and answers its issuer and the settings of its clients.
func startProvider(tb testing.TB) (string, Settings) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	env := func(k string) string { return map[string]string{"AUTH_URL": issuer}[k] }
	p, err := NewProvider(env, issuer, Policy{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(p)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	tb.Cleanup(srv.Close)
	settings, err := LoadSettings(env)
	if err != nil {
		tb.Fatal(err)
	}
	return issuer, settings
}
