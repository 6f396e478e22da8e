package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/pressly/goose/v3"

	"github.com/microservice-patterns/lab/shared/domain"
)

// replicaFiles holds the tables of the local copies.
//
//go:embed replica_migrations
var replicaFiles embed.FS

// ReplicaMigrationTable is the table in which goose records the migrations of
// the local copies, apart from the service's own and the messaging tables'.
const ReplicaMigrationTable = "goose_replicas"

// MigrateReplicas creates the tables of the local copies in db (they are empty
// until events fill them). A service of the event-carried state transfer
// variant calls it beside its own migrations.
func MigrateReplicas(ctx context.Context, db *DB) error {
	return MigrateSet(ctx, db, replicaFiles, "replica_migrations", ReplicaMigrationTable, "replica tables")
}

// MigrateSet brings a set of goose migrations beside the service's own up to
// date in db: the migrations in the folder dir of files (a package's embedded
// migrations, one folder a set), recorded in goose's table named table; what
// names the set in an error; opts add to goose's provider (Go migrations …).
func MigrateSet(ctx context.Context, db *DB, files fs.FS, dir, table, what string, opts ...goose.ProviderOption) error {
	fsys, err := fs.Sub(files, dir)
	if err != nil {
		return fmt.Errorf("find the migrations of the %s: %w", what, err)
	}
	dialect := goose.DialectPostgres
	if db.Dialect == SQLite {
		dialect = goose.DialectSQLite3
	}
	p, err := goose.NewProvider(dialect, db.SQL, fsys, append(opts, goose.WithTableName(table))...)
	if err != nil {
		return fmt.Errorf("prepare the migrations of the %s: %w", what, err)
	}
	return db.migrationLock(ctx, func() error {
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("migrate the %s: %w", what, err)
		}
		return nil
	})
}

// Replicas keeps a service's local copies of customers and products, as their
// owners' events carried them. Each put is an upsert, so a repeated or replayed
// event changes nothing, and a copy deleted from scratch refills from a replay.
type Replicas struct{ db *DB }

// NewReplicas returns the local copies kept in db, whose tables MigrateReplicas made.
func NewReplicas(db *DB) *Replicas { return &Replicas{db: db} }

// PutCustomer stores the customer, or its newer state.
func (s *Replicas) PutCustomer(ctx context.Context, c domain.Customer) error {
	_, err := s.db.exec(ctx, "INSERT INTO replica_customers ("+customerColumns+") VALUES (?, ?, ?, ?, ?)"+
		" ON CONFLICT (customer_id) DO UPDATE SET name = excluded.name, email = excluded.email,"+
		" address = excluded.address, created_at = excluded.created_at",
		c.CustomerID, c.Name, c.Email, c.Address, dbTime(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("copy customer %s: %w", c.CustomerID, err)
	}
	return nil
}

// Customer returns the copy of a customer, or a CodeNotFound error when the
// copy has never heard of it.
func (s *Replicas) Customer(ctx context.Context, id string) (domain.Customer, error) {
	c, err := scanCustomer(s.db.queryRow(ctx, "SELECT "+customerColumns+" FROM replica_customers WHERE customer_id = ?", id))
	if err != nil {
		return domain.Customer{}, notFound(err, "customer", id)
	}
	return c, nil
}

// PutProduct stores the product, or its newer state.
func (s *Replicas) PutProduct(ctx context.Context, p domain.Product) error {
	_, err := s.db.exec(ctx, "INSERT INTO replica_products ("+productColumns+") VALUES (?, ?, ?, ?, ?, ?, ?)"+
		" ON CONFLICT (product_id) DO UPDATE SET code = excluded.code, name = excluded.name,"+
		" description = excluded.description, stock = excluded.stock, price = excluded.price, currency = excluded.currency",
		p.ProductID, p.Code, p.Name, p.Description, p.Stock, p.Price, p.Currency)
	if err != nil {
		return fmt.Errorf("copy product %s: %w", p.ProductID, err)
	}
	return nil
}

// Product returns the copy of a product, or a CodeNotFound error when the copy
// has never heard of it.
func (s *Replicas) Product(ctx context.Context, id string) (domain.Product, error) {
	p, err := scanProduct(s.db.queryRow(ctx, "SELECT "+productColumns+" FROM replica_products WHERE product_id = ?", id))
	if err != nil {
		return domain.Product{}, notFound(err, "product", id)
	}
	return p, nil
}

// Holds reports whether the copies hold every customer and product named.
func (s *Replicas) Holds(ctx context.Context, customerIDs, productIDs []string) (bool, error) {
	for _, c := range []struct {
		table, key string
		ids        []string
	}{{"replica_customers", "customer_id", customerIDs}, {"replica_products", "product_id", productIDs}} {
		if len(c.ids) == 0 {
			continue
		}
		args := make([]any, len(c.ids))
		for i, id := range c.ids {
			args[i] = id
		}
		var n int
		q := "SELECT COUNT(*) FROM " + c.table + " WHERE " + c.key + " IN (?" + strings.Repeat(", ?", len(c.ids)-1) + ")"
		if err := s.db.queryRow(ctx, q, args...).Scan(&n); err != nil {
			return false, fmt.Errorf("count copies in %s: %w", c.table, err)
		}
		if n < len(c.ids) {
			return false, nil
		}
	}
	return true, nil
}
