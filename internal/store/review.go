package store

import (
	"context"
	"fmt"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Reviews and ratings as stored; who may review what, and what a valid
// review is, is internal/listing's decision (the write is PutReview in
// tx_catalog.go).

// Reviews lists the reviews of a product visible to p, newest first, with
// their summary.
func (s *Store) Reviews(ctx context.Context, p mercato.Principal, productID int64) ([]catalog.Review, catalog.Rating, error) {
	if _, err := s.product(ctx, s.rd(), p, productID); err != nil {
		return nil, catalog.Rating{}, err
	}
	rows, err := s.rd().QueryContext(ctx, `SELECT r.id, r.product_id, r.customer_id, o.name, r.rating, r.body, r.created_at, r.updated_at
		FROM reviews r JOIN organizations o ON o.id = r.customer_id WHERE r.product_id = $1 ORDER BY r.updated_at DESC, r.id DESC LIMIT 200`, productID)
	if err != nil {
		return nil, catalog.Rating{}, fmt.Errorf("list reviews: %w", err)
	}
	defer rows.Close()
	var (
		out []catalog.Review
		sum int
	)
	for rows.Next() {
		var r catalog.Review
		if err := rows.Scan(&r.ID, &r.ProductID, &r.CustomerID, &r.Customer, &r.Rating, &r.Body, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, catalog.Rating{}, fmt.Errorf("scan review: %w", err)
		}
		r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
		sum += r.Rating
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, catalog.Rating{}, fmt.Errorf("list reviews: %w", err)
	}
	var sum2 catalog.Rating
	if len(out) > 0 {
		sum2 = catalog.Rating{Count: len(out), Average: float64(sum) / float64(len(out))}
	}
	return out, sum2, nil
}

// Ratings returns the rating summary of every reviewed product, by product
// id (for catalog pages; ratings of products p cannot see are harmless but
// the caller lists only visible products).
func (s *Store) Ratings(ctx context.Context) (map[int64]catalog.Rating, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT product_id, COUNT(*), SUM(rating) FROM reviews GROUP BY product_id`)
	if err != nil {
		return nil, fmt.Errorf("ratings: %w", err)
	}
	defer rows.Close()
	out := map[int64]catalog.Rating{}
	for rows.Next() {
		var (
			id       int64
			n, total int
		)
		if err := rows.Scan(&id, &n, &total); err != nil {
			return nil, fmt.Errorf("scan rating: %w", err)
		}
		out[id] = catalog.Rating{Count: n, Average: float64(total) / float64(n)}
	}
	return out, rows.Err()
}
