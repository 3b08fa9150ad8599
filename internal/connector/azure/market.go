package azure

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/mercato-market/mercato/internal/connector/marketplace"
)

// market is the connector's client of the marketplace's native API
// (/api/v1), authenticated as the vendor (or platform) that runs it. The
// connector keeps no state of its own: everything durable is in the
// marketplace (the subscription's status) and in Azure (the resource group
// and deployment, named from the subscription).
type market struct{ marketplace.Client }

// subscription is what the connector reads of a subscription.
type subscription struct {
	ID               int64          `json:"id"`
	CustomerID       int64          `json:"customer_id"`
	ProductID        int64          `json:"product_id"`
	PlanID           int64          `json:"plan_id"`
	Type             string         `json:"type"`
	DeploymentStatus string         `json:"deployment_status"`
	Paid             bool           `json:"paid"`
	Configuration    map[string]any `json:"configuration"`
	// TermsAcceptance is the buyer's acceptance of the publisher's terms
	// at checkout; nil when the buyer accepted none.
	TermsAcceptance *termsAcceptance `json:"terms_acceptance"`
}

// termsAcceptance is what the connector reads of a buyer's acceptance.
type termsAcceptance struct {
	UserID         int64     `json:"user_id"`
	OrganizationID int64     `json:"organization_id"`
	AcceptedAt     time.Time `json:"accepted_at"`
	Version        string    `json:"version"`
}

// product is what the connector reads of a product.
type product struct {
	ID       int64             `json:"id"`
	Type     string            `json:"type"`
	Metadata map[string]string `json:"metadata"`
}

func (m *market) subscription(ctx context.Context, id int64) (subscription, error) {
	var s subscription
	err := m.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/subscriptions/%d", id), nil, &s)
	return s, err
}

func (m *market) product(ctx context.Context, id int64) (product, error) {
	var p product
	err := m.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/products/%d", id), nil, &p)
	return p, err
}

// subscriptionIDs pages through the subscriptions in a status, handing
// each page's ids to page as it arrives.
func (m *market) subscriptionIDs(ctx context.Context, status string, page func([]int64)) error {
	cursor := ""
	for {
		q := url.Values{"deployment_status": {status}, "limit": {"200"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var res struct {
			Items      []subscription `json:"items"`
			NextCursor *string        `json:"next_cursor"`
		}
		if err := m.Do(ctx, http.MethodGet, "/api/v1/subscriptions?"+q.Encode(), nil, &res); err != nil {
			return err
		}
		ids := make([]int64, 0, len(res.Items))
		for _, s := range res.Items {
			ids = append(ids, s.ID)
		}
		page(ids)
		if res.NextCursor == nil || *res.NextCursor == "" {
			return nil
		}
		cursor = *res.NextCursor
	}
}

// planProduct is the product of a plan.
func (m *market) planProduct(ctx context.Context, planID int64) (int64, error) {
	var pl struct {
		ProductID int64 `json:"product_id"`
	}
	err := m.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/plans/%d", planID), nil, &pl)
	return pl.ProductID, err
}

// setProductMetadata replaces a product's integration metadata.
func (m *market) setProductMetadata(ctx context.Context, id int64, md map[string]string) error {
	return m.Do(ctx, http.MethodPatch, fmt.Sprintf("/api/v1/products/%d", id), map[string]any{"metadata": md}, nil)
}

// mergeMetadata adds keys to a subscription's integration metadata,
// keeping the others.
func (m *market) mergeMetadata(ctx context.Context, id int64, add map[string]string) error {
	var cur struct {
		Metadata map[string]string `json:"metadata"`
	}
	path := fmt.Sprintf("/api/v1/subscriptions/%d/metadata", id)
	if err := m.Do(ctx, http.MethodGet, path, nil, &cur); err != nil {
		return err
	}
	if cur.Metadata == nil {
		cur.Metadata = map[string]string{}
	}
	for k, v := range add {
		cur.Metadata[k] = v
	}
	return m.Do(ctx, http.MethodPut, path, map[string]any{"metadata": cur.Metadata}, nil)
}

func (m *market) setStatus(ctx context.Context, id int64, status string) error {
	return m.Do(ctx, http.MethodPatch, fmt.Sprintf("/api/v1/subscriptions/%d", id), map[string]string{"deployment_status": status}, nil)
}

func (m *market) setEndpoint(ctx context.Context, id int64, endpoint, description string) error {
	body := map[string]any{"endpoints": []map[string]string{{"endpoint": endpoint, "description": description, "category": "APP"}}}
	return m.Do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/subscriptions/%d/endpoints", id), body, nil)
}

func (m *market) setInstructions(ctx context.Context, id int64, text string) error {
	body := map[string]any{"instructions": map[string]string{"en": text}}
	return m.Do(ctx, http.MethodPut, fmt.Sprintf("/api/v1/subscriptions/%d/instructions", id), body, nil)
}

func (m *market) addCredential(ctx context.Context, id int64, key, value, description string) error {
	body := map[string]any{"credentials": []map[string]any{{"key": key, "value": value, "description": map[string]string{"en": description}}}}
	return m.Do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/subscriptions/%d/credentials", id), body, nil)
}
