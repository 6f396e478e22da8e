package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/microservice-patterns/lab/shared/config"
)

// exitCode is an error that carries the code the runner exits with.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// smoke starts the lab on fresh data, runs the acceptance suite against its
// gateway, stops the lab and answers the suite's exit code.
func (l *lab) smoke(ctx context.Context) error {
	data, err := os.MkdirTemp("", "lab-smoke-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)
	l.cfg.DataDir = data
	if l.cfg.RunID == "" {
		// Broker names of this run never meet those of another run.
		l.cfg.RunID = fmt.Sprintf("smoke-%d", time.Now().UnixNano())
	}
	defer l.teardown() // after the stop: deferred calls run last first
	f, took, err := l.start(ctx)
	if err != nil {
		return err
	}
	defer l.stop(f)
	gateway := "http://" + config.DialAddr(l.cfg.Addrs["gateway"])
	l.console.Printf("lab: %s ready in %s — running the tests against %s", l.variant.Name, took.Round(time.Millisecond), gateway)
	env := append(os.Environ(), "LAB_URL="+gateway, "LAB_VARIANT="+l.variant.Name, "LAB_RUN_ID="+l.cfg.RunID)
	procEnv := map[string]string{}
	for _, kv := range l.env() {
		k, v, _ := strings.Cut(kv, "=")
		procEnv[k] = v
	}
	token, err := l.variant.Login(ctx, func(k string) string {
		if v, ok := procEnv[k]; ok {
			return v
		}
		return config.Env(k)
	}, "admin")
	if err != nil {
		return fmt.Errorf("log in as admin: %w", err)
	}
	if token != "" {
		env = append(env, "LAB_TOKEN="+token)
	}
	suites := []suite{{"the acceptance suite", []string{"go", "test", "-tags", "smoke", "-count=1", "-run", "^TestSmoke$", "./shared/acceptance/"}}}
	if l.browser {
		suites = append(suites, suite{"the browser tests", []string{"npm", "--prefix", "ui-frontend", "run", "--silent", "e2e"}})
	}
	for _, st := range suites {
		if err := l.runSuite(ctx, st, env); err != nil {
			return err
		}
	}
	return nil
}

// suite is a test command run against the started lab.
type suite struct {
	name string
	args []string
}

func (l *lab) runSuite(ctx context.Context, st suite, env []string) error {
	test := exec.CommandContext(ctx, st.args[0], st.args[1:]...)
	test.Dir, test.Env = l.root, env
	test.Stdout, test.Stderr = os.Stdout, os.Stderr
	err := test.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		l.console.Printf("lab: %s passed %s", l.variant.Name, st.name)
		return nil
	case ctx.Err() != nil:
		return errInterrupted
	case errors.As(err, &exit):
		l.console.Printf("lab: %s failed %s", l.variant.Name, st.name)
		return exitCode(exit.ExitCode())
	}
	return fmt.Errorf("run %s: %w", st.name, err)
}
