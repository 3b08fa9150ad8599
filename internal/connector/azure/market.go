package azure

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

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
