package tokenrelay

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"testing"

	"github.com/microservice-patterns/lab/communication-patterns/rest"
	"github.com/microservice-patterns/lab/shared/acceptance"
	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/stack"
)

// TestExternalProvider: with OIDC_ISSUER naming a provider the lab does not
// run, nothing starts the auth process, and the whole acceptance suite passes
// against that provider — here the lab's own provider, started apart on a
// port of its own, as Keycloak or Dex would be.
func TestExternalProvider(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	v := app.MustCompose(rest.Base, Pattern)
	providerEnv := map[string]string{"AUTH_URL": issuer, "AUTH_ADDR": ln.Addr().String()}
	h, closeProvider, err := app.BuildProcess(context.Background(), v, "auth", issuer,
		func(k string) string { return providerEnv[k] }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close(); _ = closeProvider() })

	env := map[string]string{"OIDC_ISSUER": issuer}
	if names := v.ProcessNames(func(k string) string { return env[k] }); len(names) != 0 {
		t.Fatalf("with OIDC_ISSUER set the lab would start %v, want none", names)
	}
	_, st := acceptance.Start(t, v, acceptance.Options{Stack: stack.Options{Env: env}})
	if len(st.Processes) != 0 {
		t.Fatalf("the stack started %v beside an external provider", st.Processes)
	}
	token, err := v.Login(context.Background(), st.Env(), "admin")
	if err != nil || token == "" {
		t.Fatalf("log in at the external provider: %q, %v", token, err)
	}
	acceptance.Run(t, st.URL, acceptance.Options{Token: token})
}
