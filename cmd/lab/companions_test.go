package main

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/shared/app"
	"github.com/microservice-patterns/lab/shared/config"
)

// withCompanion gives the test lab's variant a pattern whose one companion
// runs as the fake service mode says, on a free port of its own (the fake
// reads GATEWAY_ADDR, which the companion inherits from the runner).
func withCompanion(t *testing.T, l *lab, command []string, skip func(config.Getenv) bool) string {
	t.Helper()
	addr := mustFreeAddrs(t)["gateway"]
	t.Setenv("GATEWAY_ADDR", addr)
	c := app.Companion{Name: "fake viewer", Skip: skip, Prepare: func(s app.CompanionScope) (*app.CompanionRun, error) {
		if len(s.Targets) != len(l.names()) || s.Dir == "" {
			t.Errorf("prepared with targets %v in %q", s.Targets, s.Dir)
		}
		return &app.CompanionRun{Command: command, Missing: "install it from the shop", Ready: "http://" + addr + "/readyz",
			Env: []string{"FAKE_VIEWER_URL=http://" + addr}, Open: "http://" + addr}, nil
	}}
	l.variant.Patterns = append(slices.Clone(l.variant.Patterns), &app.Pattern{Name: "fake", Companions: []app.Companion{c}})
	return addr
}

func TestCompanions(t *testing.T) {
	t.Run("starts a companion, waits until it is ready and tells the processes where it is", func(t *testing.T) {
		l, out := newTestLab(t, nil)
		addr := withCompanion(t, l, []string{os.Args[0], "fake-service", "gateway", "ready"}, nil)
		cs, err := l.startCompanions(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(cs.env, []string{"FAKE_VIEWER_URL=http://" + addr}) {
			t.Errorf("env %v", cs.env)
		}
		if !strings.Contains(out.String(), "lab: fake viewer at http://"+addr) {
			t.Errorf("the output does not say where it is:\n%s", out)
		}
		l.companionEnv = cs.env
		if env := l.env(); !slices.Contains(env, "FAKE_VIEWER_URL=http://"+addr) {
			t.Errorf("the processes are not told: %v", env)
		}
		cs.stop(l)
		if listening("http://"+addr) != "" {
			t.Errorf("%s still answers after the stop", addr)
		}
	})
	t.Run("says how to install a missing one and goes on without it", func(t *testing.T) {
		l, out := newTestLab(t, nil)
		withCompanion(t, l, []string{"lab-no-such-program"}, nil)
		cs, err := l.startCompanions(context.Background())
		if err != nil || len(cs.env) != 0 || len(cs.procs) != 0 {
			t.Fatalf("got %v, %+v", err, cs)
		}
		want := "lab: fake viewer: lab-no-such-program is not installed: install it from the shop; the variant runs without it"
		if !strings.Contains(out.String(), want) {
			t.Errorf("got\n%s\nwant %q", out, want)
		}
	})
	t.Run("names one that exits before it is ready, with its last lines", func(t *testing.T) {
		l, out := newTestLab(t, nil)
		withCompanion(t, l, []string{os.Args[0], "fake-service", "gateway", "exit"}, nil)
		cs, err := l.startCompanions(context.Background())
		if err != nil || len(cs.env) != 0 {
			t.Fatalf("got %v, %+v", err, cs)
		}
		if s := out.String(); !strings.Contains(s, "lab: fake viewer: it exited before it was ready (exit status 3)") ||
			!strings.Contains(s, "disk on fire") {
			t.Errorf("got\n%s", s)
		}
	})
	t.Run("leaves out one the settings skip", func(t *testing.T) {
		l, out := newTestLab(t, nil)
		withCompanion(t, l, []string{os.Args[0], "fake-service", "gateway", "ready"}, func(config.Getenv) bool { return true })
		cs, err := l.startCompanions(context.Background())
		if err != nil || len(cs.procs) != 0 || out.String() != "" {
			t.Fatalf("got %v, %+v, output %q", err, cs, out)
		}
	})
}
