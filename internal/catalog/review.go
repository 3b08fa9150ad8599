package catalog

import (
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

// Validate checks a review as it is to be saved (its body already trimmed):
// a rating from 1 to 5 and a body of text of at most MaxReviewLength
// characters.
func (r Review) Validate() error {
	var fe mercato.FieldErrors
	if r.Rating < 1 || r.Rating > 5 {
		fe.Add("rating", "must be from 1 to 5")
	}
	if !utf8.ValidString(r.Body) || strings.ContainsRune(r.Body, 0) {
		fe.Add("body", "must be UTF-8 text without NUL characters")
	} else if utf8.RuneCountInString(r.Body) > MaxReviewLength {
		fe.Add("body", "at most %d characters", MaxReviewLength)
	}
	return fe.Err("invalid review")
}

// Rating sums up a product's reviews.
type Rating struct {
	Count   int
	Average float64
}
