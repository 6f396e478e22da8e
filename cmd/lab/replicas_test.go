package main

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/microservice-patterns/lab/shared/config"
)

func replicaLab(t *testing.T, env map[string]string) *lab {
	t.Helper()
	cfg, err := config.LoadRunner(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	v, _ := lookup("rest")
	l := &lab{root: t.TempDir(), variant: v, cfg: cfg}
	l.command = l.selfCommand
	return l
}

// TestLab_replicas: LAB_REPLICAS=2 starts two instances of every service, the
// second 20 ports above the first, every process told every instance, each
// instance itself first, all on the services' schemas of PostgreSQL.
func TestLab_replicas(t *testing.T) {
	l := replicaLab(t, map[string]string{"LAB_PORT_BASE": "9400", "LAB_REPLICAS": "2"})
	got := strings.Join(l.names(), " ")
	if want := "customers customers-2 warehouse warehouse-2 shipping shipping-2 billing billing-2 ordering ordering-2 gateway"; got != want {
		t.Errorf("processes: got %s, want %s", got, want)
	}
	env := " " + strings.Join(l.env(), " ") + " "
	for _, want := range []string{"WAREHOUSE_ADDR=127.0.0.1:9403", "WAREHOUSE_URL=http://127.0.0.1:9403,http://127.0.0.1:9423",
		"WAREHOUSE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres?search_path=lab_rest_warehouse&sslmode=disable"} {
		if !strings.Contains(env, " "+want+" ") {
			t.Errorf("no %s in %s", want, env)
		}
	}
	own := strings.Join(l.instanceEnv("warehouse-2"), " ")
	if want := "WAREHOUSE_ADDR=127.0.0.1:9423 WAREHOUSE_URL=http://127.0.0.1:9423,http://127.0.0.1:9403"; own != want {
		t.Errorf("warehouse-2's own settings: got %s, want %s", own, want)
	}
	if args := l.selfCommand("warehouse-2").Args; args[len(args)-1] != "warehouse" {
		t.Errorf("warehouse-2 runs %v, want the warehouse service", args)
	}
	// No two processes share a port, and none takes the default ports
	// (base … base+6, auth's included) of this run.
	seen := map[string]string{}
	for _, name := range l.names() {
		_, port, _ := net.SplitHostPort(l.cfg.Addrs[name])
		if other, twice := seen[port]; twice {
			t.Errorf("%s and %s share port %s", name, other, port)
		}
		seen[port] = name
		if p, _ := strconv.Atoi(port); config.ServiceOf(name) != name && p <= 9406 {
			t.Errorf("%s listens on %s, among the default ports", name, port)
		}
	}
}

// TestLab_replicasRefuseSQLite: more than one instance on SQLite is refused
// with one line, before anything starts.
func TestLab_replicasRefuseSQLite(t *testing.T) {
	l := replicaLab(t, map[string]string{"LAB_PORT_BASE": "9400", "LAB_REPLICAS": "2", "LAB_DATABASE": "sqlite"})
	_, _, err := l.start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "2 replicas need PostgreSQL") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v, want one line saying that replicas need PostgreSQL", err)
	}
}

func TestLoadRunner_replicaSettings(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"LAB_REPLICAS": "0"}, "LAB_REPLICAS"},
		{map[string]string{"LAB_REPLICAS": "6"}, "LAB_REPLICAS"},
		{map[string]string{"LAB_DATABASE": "mysql"}, "LAB_DATABASE"},
		{map[string]string{"LAB_REPLICAS": "3", "LAB_PORT_BASE": "65490"}, "LAB_PORT_BASE"},
	} {
		_, err := config.LoadRunner(func(k string) string { return tt.env[k] })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want an error naming %s", tt.env, err, tt.want)
		}
	}
	cfg, err := config.LoadRunner(func(string) string { return "" })
	if err != nil || cfg.Replicas != 1 || cfg.Database != config.DatabaseSQLite {
		t.Errorf("defaults: got %d replicas on %s (%v), want 1 on sqlite", cfg.Replicas, cfg.Database, err)
	}
}
