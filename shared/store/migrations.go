package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
)

// migrationFiles holds each service's goose migrations, in migrations/<service>/.
//
//go:embed migrations
var migrationFiles embed.FS

// Migrations returns the migrations of the service (customers, warehouse,
// ordering, shipping or billing); an unknown name is an error.
func Migrations(service string) (fs.FS, error) {
	dir := "migrations/" + service
	if info, err := fs.Stat(migrationFiles, dir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("no migrations for service %q", service)
	}
	return fs.Sub(migrationFiles, dir)
}

// OpenService opens the service's database (see Open) and brings its schema up to date.
func OpenService(ctx context.Context, service, url, path string) (*DB, error) {
	migrations, err := Migrations(service)
	if err != nil {
		return nil, err
	}
	db, err := Open(ctx, url, path, migrations)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", service, err)
	}
	return db, nil
}
