package microsoft

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/mercato-market/mercato/internal/connector/marketplace"
)

// market is the connector's client of the marketplace's native API
// (/api/v1), authenticated as the vendor that owns the Microsoft products.
type market struct{ marketplace.Client }

// The marketplace's resources, as much as the connector reads of them.

type mSubscription struct {
	ID               int64          `json:"id"`
	AutoRenew        bool           `json:"auto_renew"`
	TerminateAt      *time.Time     `json:"terminate_at"`
	CustomerID       int64          `json:"customer_id"`
	ProductID        int64          `json:"product_id"`
	PlanID           int64          `json:"plan_id"`
	Type             string         `json:"type"`
	DeploymentStatus string         `json:"deployment_status"`
	Paid             bool           `json:"paid"`
	Quantity         int64          `json:"quantity"`
	Configuration    map[string]any `json:"configuration"`
	StartDate        time.Time      `json:"start_date"`
}

type mProduct struct {
	ID       int64             `json:"id"`
	Name     string            `json:"name"`
	Type     string            `json:"type"`
	Metadata map[string]string `json:"metadata"`
}

type mPlan struct {
	ID      int64 `json:"id"`
	Pricing struct {
		Period  string `json:"period"`
		Term    string `json:"term"`
		Metrics []struct {
			Name string `json:"name"`
		} `json:"metrics"`
	} `json:"pricing"`
	Metadata map[string]string `json:"metadata"`
}

type mOrganization struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Country string `json:"country"`
	Address *struct {
		Line       string `json:"line"`
		City       string `json:"city"`
		PostalCode string `json:"postal_code"`
	} `json:"address"`
}

func (m *market) subscription(ctx context.Context, id int64) (mSubscription, error) {
	var s mSubscription
	return s, m.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/subscriptions/%d", id), nil, &s)
}

func (m *market) product(ctx context.Context, id int64) (mProduct, error) {
	var p mProduct
	return p, m.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/products/%d", id), nil, &p)
}

func (m *market) plan(ctx context.Context, id int64) (mPlan, error) {
	var p mPlan
	return p, m.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/plans/%d", id), nil, &p)
}

func (m *market) organization(ctx context.Context, id int64) (mOrganization, error) {
	var o mOrganization
	return o, m.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/organizations/%d", id), nil, &o)
}

func (m *market) metadata(ctx context.Context, id int64) (map[string]string, error) {
	var out struct {
		Metadata map[string]string `json:"metadata"`
	}
	err := m.Do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/subscriptions/%d/metadata", id), nil, &out)
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	return out.Metadata, err
}

func (m *market) setMetadata(ctx context.Context, id int64, md map[string]string) error {
	return m.Do(ctx, http.MethodPut, fmt.Sprintf("/api/v1/subscriptions/%d/metadata", id), map[string]any{"metadata": md}, nil)
}

func (m *market) setStatus(ctx context.Context, id int64, status string) error {
	return m.Do(ctx, http.MethodPatch, fmt.Sprintf("/api/v1/subscriptions/%d", id), map[string]any{"deployment_status": status}, nil)
}

func (m *market) listSubscriptions(ctx context.Context, query string) ([]mSubscription, error) {
	var all []mSubscription
	cursor := ""
	for {
		var page struct {
			Items      []mSubscription `json:"items"`
			NextCursor *string         `json:"next_cursor"`
		}
		q := "/api/v1/subscriptions?limit=200&" + query
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		if err := m.Do(ctx, http.MethodGet, q, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.NextCursor == nil || *page.NextCursor == "" {
			return all, nil
		}
		cursor = *page.NextCursor
	}
}
