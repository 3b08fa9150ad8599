package store

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Review is a customer's rating (1–5) and review of a product; one per
// customer organization and product, replaced when written again.
type Review struct {
	ID         int64
	ProductID  int64
	CustomerID int64
	Customer   string // the customer organization's name
	Rating     int
	Body       string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// MaxReviewLength is the longest review text, in characters.
const MaxReviewLength = 4000

// Rating sums up a product's reviews.
type Rating struct {
	Count   int
	Average float64
}

// SetReview writes p's organization's review of a product: only a
// customer that has bought the product (a subscription of it, in any
// status) may review it.
func (s *Store) SetReview(ctx context.Context, p mercato.Principal, productID int64, rating int, body string) (Review, error) {
	var fe mercato.FieldErrors
	if rating < 1 || rating > 5 {
		fe.Add("rating", "must be from 1 to 5")
	}
	body = strings.TrimSpace(body)
	if !utf8.ValidString(body) || strings.ContainsRune(body, 0) {
		fe.Add("body", "must be UTF-8 text without NUL characters")
	} else if utf8.RuneCountInString(body) > MaxReviewLength {
		fe.Add("body", "at most %d characters", MaxReviewLength)
	}
	if err := fe.Err("invalid review"); err != nil {
		return Review{}, err
	}
	r := Review{ProductID: productID, CustomerID: p.OrgID, Rating: rating, Body: body}
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := s.product(ctx, tx, p, productID); err != nil {
			return err
		}
		if p.OrgKind != mercato.KindCustomer || !p.CanWrite() {
			return mercato.Errorf(mercato.EFORBIDDEN, "only a customer's admins and managers review products")
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions WHERE customer_id = $1 AND product_id = $2`, p.OrgID, productID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return mercato.Errorf(mercato.ECONFLICT, "only customers who bought the product review it")
		}
		now := s.now()
		r.CreatedAt, r.UpdatedAt = now, now
		return tx.QueryRowContext(ctx, `INSERT INTO reviews (product_id, customer_id, user_id, rating, body, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$6)
			ON CONFLICT (product_id, customer_id) DO UPDATE SET rating = excluded.rating, body = excluded.body, user_id = excluded.user_id, updated_at = excluded.updated_at
			RETURNING id, created_at`, productID, p.OrgID, p.UserID, rating, body, now).Scan(&r.ID, &r.CreatedAt)
	})
	if err != nil {
		return r, fmt.Errorf("set review: %w", err)
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return r, nil
}

// Reviews lists the reviews of a product visible to p, newest first, with
// their summary.
func (s *Store) Reviews(ctx context.Context, p mercato.Principal, productID int64) ([]Review, Rating, error) {
	if _, err := s.product(ctx, s.rd(), p, productID); err != nil {
		return nil, Rating{}, err
	}
	rows, err := s.rd().QueryContext(ctx, `SELECT r.id, r.product_id, r.customer_id, o.name, r.rating, r.body, r.created_at, r.updated_at
		FROM reviews r JOIN organizations o ON o.id = r.customer_id WHERE r.product_id = $1 ORDER BY r.updated_at DESC, r.id DESC LIMIT 200`, productID)
	if err != nil {
		return nil, Rating{}, fmt.Errorf("list reviews: %w", err)
	}
	defer rows.Close()
	var (
		out []Review
		sum int
	)
	for rows.Next() {
		var r Review
		if err := rows.Scan(&r.ID, &r.ProductID, &r.CustomerID, &r.Customer, &r.Rating, &r.Body, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, Rating{}, fmt.Errorf("scan review: %w", err)
		}
		r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
		sum += r.Rating
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, Rating{}, fmt.Errorf("list reviews: %w", err)
	}
	var sum2 Rating
	if len(out) > 0 {
		sum2 = Rating{Count: len(out), Average: float64(sum) / float64(len(out))}
	}
	return out, sum2, nil
}

// Ratings returns the rating summary of every reviewed product, by product
// id (for catalog pages; ratings of products p cannot see are harmless but
// the caller lists only visible products).
func (s *Store) Ratings(ctx context.Context) (map[int64]Rating, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT product_id, COUNT(*), SUM(rating) FROM reviews GROUP BY product_id`)
	if err != nil {
		return nil, fmt.Errorf("ratings: %w", err)
	}
	defer rows.Close()
	out := map[int64]Rating{}
	for rows.Next() {
		var (
			id       int64
			n, total int
		)
		if err := rows.Scan(&id, &n, &total); err != nil {
			return nil, fmt.Errorf("scan rating: %w", err)
		}
		out[id] = Rating{Count: n, Average: float64(total) / float64(n)}
	}
	return out, rows.Err()
}
