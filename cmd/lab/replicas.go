package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/microservice-patterns/lab/shared/config"
)

// Replicas: with LAB_REPLICAS=N (make run-<variant> REPLICAS=N) the runner
// starts N instances of every service, the k-th (from 0) on its default port
// + 20·k, all on PostgreSQL (LAB_POSTGRES_URL) with one schema per service
// and variant, which every instance of the service shares. Each process is
// told every instance of each service (<SERVICE>_URL, comma-separated): the
// gateway and the service-to-service clients balance over them.

// instanceEnv is what one instance is told on top of the lab's settings: a
// second instance listens on its own address, and every instance names itself
// first among its service's instances.
func (l *lab) instanceEnv(name string) []string {
	svc := config.ServiceOf(name)
	ins := l.cfg.Instances[svc]
	if len(ins) < 2 {
		return nil
	}
	for k, in := range ins {
		if in.Name == name {
			upper := strings.ToUpper(svc)
			return []string{upper + "_ADDR=" + in.Addr, upper + "_URL=" + l.cfg.InstanceURLs(svc, k)}
		}
	}
	return nil
}

// databaseEnv points every service at its schema when the lab runs on PostgreSQL.
func (l *lab) databaseEnv() []string {
	if l.cfg.Database != config.DatabasePostgres {
		return nil
	}
	var env []string
	for _, svc := range config.Services {
		u, err := config.WithSearchPath(l.cfg.PostgresURL, config.SchemaName(l.variant.Name, svc))
		if err != nil {
			continue // prepareDatabase has refused to start
		}
		env = append(env, strings.ToUpper(svc)+"_DATABASE_URL="+u)
	}
	return env
}

// checkReplicas refuses replicas on SQLite, in one line, before anything starts.
func (l *lab) checkReplicas() error {
	if l.cfg.Database != config.DatabasePostgres && l.cfg.Replicas > 1 {
		return fmt.Errorf("%d replicas need PostgreSQL: a SQLite file belongs to one process, so the instances of a service could not share their data (unset LAB_DATABASE, or set LAB_DATABASE=postgres)", l.cfg.Replicas)
	}
	return nil
}

// prepareDatabase makes sure, on PostgreSQL, that the server answers and
// every service's schema exists: one line when not.
func (l *lab) prepareDatabase(ctx context.Context) error {
	if l.cfg.Database != config.DatabasePostgres {
		return nil
	}
	if _, err := config.WithSearchPath(l.cfg.PostgresURL, "x"); err != nil {
		return err
	}
	db, err := sql.Open("pgx", l.cfg.PostgresURL)
	if err != nil {
		return fmt.Errorf("LAB_POSTGRES_URL: %w", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("no PostgreSQL answers at %s (LAB_POSTGRES_URL); start it, or run one instance of each service on SQLite (LAB_REPLICAS=1)", pgHost(l.cfg.PostgresURL))
	}
	for _, svc := range config.Services {
		if _, err := db.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+config.SchemaName(l.variant.Name, svc)); err != nil {
			return fmt.Errorf("create the schema of %s on PostgreSQL: %w", svc, err)
		}
	}
	return nil
}

// pgHost names the server of a PostgreSQL URL without its credentials.
func pgHost(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Host
	}
	return "LAB_POSTGRES_URL"
}
