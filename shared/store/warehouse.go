package store

import (
	"context"
	"fmt"

	"github.com/microservice-patterns/lab/shared/domain"
	"github.com/microservice-patterns/lab/shared/services/warehouse"
)

// Warehouse keeps the warehouse service's products and reservations.
type Warehouse struct{ db *DB }

var _ warehouse.Repository = (*Warehouse)(nil)

// NewWarehouse returns the warehouse repository of db.
func NewWarehouse(db *DB) *Warehouse { return &Warehouse{db: db} }

const productColumns = "product_id, code, name, description, stock, price, currency"

// CreateProduct stores p; a code already taken is a CodeConflict error.
func (s *Warehouse) CreateProduct(ctx context.Context, p domain.Product) error {
	_, err := s.db.exec(ctx, "INSERT INTO products ("+productColumns+") VALUES (?, ?, ?, ?, ?, ?, ?)",
		p.ProductID, p.Code, p.Name, p.Description, p.Stock, p.Price, p.Currency)
	if IsUniqueViolation(err) {
		return domain.Errorf(domain.CodeConflict, "a product with code %s already exists", p.Code)
	}
	if err != nil {
		return fmt.Errorf("create product %s: %w", p.ProductID, err)
	}
	return nil
}

// Product returns the product or a CodeNotFound error.
func (s *Warehouse) Product(ctx context.Context, id string) (domain.Product, error) {
	p, err := scanProduct(s.db.queryRow(ctx, "SELECT "+productColumns+" FROM products WHERE product_id = ?", id))
	if err != nil {
		return domain.Product{}, notFound(err, "product", id)
	}
	return p, nil
}

// Products lists the products, by code; code, when set, filters on it.
func (s *Warehouse) Products(ctx context.Context, code string, page domain.Page) ([]domain.Product, error) {
	var w where
	w.eq("code", code)
	w.after(page, "products", "code", "product_id", true)
	list, err := queryList(ctx, s.db, scanProduct,
		"SELECT "+productColumns+" FROM products"+w.String()+" ORDER BY code"+limit(page), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return list, nil
}

// SeedProducts stores each product that is not stored yet. A product whose id or
// code is already stored is left as it is, stock included, so seeding again is harmless.
func (s *Warehouse) SeedProducts(ctx context.Context, ps []domain.Product) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		for _, p := range ps {
			_, err := s.db.exec(ctx, "INSERT INTO products ("+productColumns+") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
				p.ProductID, p.Code, p.Name, p.Description, p.Stock, p.Price, p.Currency)
			if err != nil {
				return fmt.Errorf("seed product %s: %w", p.ProductID, err)
			}
		}
		return nil
	})
}

// takeStock takes quantity from the product's stock if it has that much, in one
// conditional statement: the check and the take cannot be separated by another
// writer, so concurrent reservations never oversell.
func (s *Warehouse) takeStock(ctx context.Context, productID string, quantity int) (bool, error) {
	n, err := s.db.exec(ctx, "UPDATE products SET stock = stock - ? WHERE product_id = ? AND stock >= ?",
		quantity, productID, quantity)
	if err != nil {
		return false, fmt.Errorf("take stock of product %s: %w", productID, err)
	}
	return n == 1, nil
}

// returnStock puts quantity back into the product's stock.
func (s *Warehouse) returnStock(ctx context.Context, productID string, quantity int) error {
	if _, err := s.db.exec(ctx, "UPDATE products SET stock = stock + ? WHERE product_id = ?", quantity, productID); err != nil {
		return fmt.Errorf("return stock of product %s: %w", productID, err)
	}
	return nil
}

// stock reads the product's stock as it is now.
func (s *Warehouse) stock(ctx context.Context, productID string) (int, error) {
	var stock int
	if err := s.db.queryRow(ctx, "SELECT stock FROM products WHERE product_id = ?", productID).Scan(&stock); err != nil {
		return 0, fmt.Errorf("read stock of product %s: %w", productID, notFound(err, "product", productID))
	}
	return stock, nil
}

func scanProduct(row scanner) (domain.Product, error) {
	var p domain.Product
	err := row.Scan(&p.ProductID, &p.Code, &p.Name, &p.Description, &p.Stock, &p.Price, &p.Currency)
	return p, err
}
