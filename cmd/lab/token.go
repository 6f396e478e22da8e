package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/microservice-patterns/lab/security-patterns/auth"
	"github.com/microservice-patterns/lab/shared/config"
)

// tokenCommand runs `lab token [-password p] <user>`: it prints an access
// token of user for the gateway of a running security variant, got by the
// authorization code flow with PKCE as the public cli client against the
// provider's login page — the provider at OIDC_ISSUER, or the lab's auth
// process (AUTH_URL, by default at LAB_PORT_BASE+6).
func tokenCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lab token", flag.ContinueOnError)
	password := fs.String("password", "", "the user's password (default LAB_DEMO_PASSWORD, or lab)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return fmt.Errorf("usage: lab token [-password p] <user>")
	}
	cfg, err := config.LoadRunner(config.Env)
	if err != nil {
		return err
	}
	env := func(k string) string {
		if v := config.Env(k); v != "" || k != "AUTH_URL" {
			return v
		}
		return cfg.URLOf["auth"]
	}
	s, err := auth.LoadSettings(env)
	if err != nil {
		return err
	}
	if *password == "" {
		*password = s.Password
	}
	tok, err := auth.CLILogin(ctx, s, fs.Arg(0), *password)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}
