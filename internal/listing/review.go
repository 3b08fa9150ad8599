package listing

import (
	"context"
	"fmt"
	"strings"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Reviews lists the reviews of a product p sees, newest first, with their
// summary.
func (s *Service) Reviews(ctx context.Context, p mercato.Principal, productID int64) ([]catalog.Review, catalog.Rating, error) {
	return s.reads.Reviews(ctx, p, productID)
}

// Ratings returns the rating summary of every reviewed product, by product
// id, for catalog pages (which list only products their reader sees).
func (s *Service) Ratings(ctx context.Context) (map[int64]catalog.Rating, error) {
	return s.reads.Ratings(ctx)
}

// SetReview writes p's organization's review of a product, replacing its
// earlier one: only a customer's admins and managers review, and only a
// product their organization bought (a subscription of it, in any status).
func (s *Service) SetReview(ctx context.Context, p mercato.Principal, productID int64, rating int, body string) (catalog.Review, error) {
	r := catalog.Review{ProductID: productID, CustomerID: p.OrgID, Rating: rating, Body: strings.TrimSpace(body)}
	if err := r.Validate(); err != nil {
		return catalog.Review{}, err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.Product(ctx, p, productID); err != nil {
			return err
		}
		if err := mayReview(p); err != nil {
			return err
		}
		n, err := tx.ProductSubscriptions(ctx, productID, p.OrgID)
		if err != nil {
			return err
		}
		if n == 0 {
			return mercato.Errorf(mercato.ECONFLICT, "only customers who bought the product review it")
		}
		return tx.PutReview(ctx, &r, p.UserID)
	})
	if err != nil {
		return r, fmt.Errorf("set review: %w", err)
	}
	return r, nil
}
