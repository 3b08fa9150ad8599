package azure

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// market is the connector's client of the marketplace's native API
// (/api/v1), authenticated as the vendor (or platform) that runs it. The
// connector keeps no state of its own: everything durable is in the
// marketplace (the subscription's status) and in Azure (the resource group
// and deployment, named from the subscription).
type market struct {
	base   string // http(s)://host:port, without /api/v1
	token  string
	client *http.Client
}

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

// marketError is an answer of the marketplace other than 2xx.
type marketError struct {
	Status int
	Body   string
}

func (e *marketError) Error() string {
	return fmt.Sprintf("marketplace answered %d: %s", e.Status, e.Body)
}

func (m *market) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, m.base+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+m.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := m.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %w", method, path, &marketError{Status: res.StatusCode, Body: strings.TrimSpace(string(raw))})
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

func (m *market) subscription(ctx context.Context, id int64) (subscription, error) {
	var s subscription
	err := m.do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/subscriptions/%d", id), nil, &s)
	return s, err
}

func (m *market) product(ctx context.Context, id int64) (product, error) {
	var p product
	err := m.do(ctx, http.MethodGet, fmt.Sprintf("/api/v1/products/%d", id), nil, &p)
	return p, err
}

// subscriptionIDs lists the ids of the subscriptions in a status.
func (m *market) subscriptionIDs(ctx context.Context, status string) ([]int64, error) {
	var ids []int64
	cursor := ""
	for {
		q := url.Values{"deployment_status": {status}, "limit": {"200"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Items      []subscription `json:"items"`
			NextCursor *string        `json:"next_cursor"`
		}
		if err := m.do(ctx, http.MethodGet, "/api/v1/subscriptions?"+q.Encode(), nil, &page); err != nil {
			return nil, err
		}
		for _, s := range page.Items {
			ids = append(ids, s.ID)
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			return ids, nil
		}
		cursor = *page.NextCursor
	}
}

func (m *market) setStatus(ctx context.Context, id int64, status string) error {
	return m.do(ctx, http.MethodPatch, fmt.Sprintf("/api/v1/subscriptions/%d", id), map[string]string{"deployment_status": status}, nil)
}

func (m *market) setEndpoint(ctx context.Context, id int64, endpoint, description string) error {
	body := map[string]any{"endpoints": []map[string]string{{"endpoint": endpoint, "description": description, "category": "APP"}}}
	return m.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/subscriptions/%d/endpoints", id), body, nil)
}

func (m *market) setInstructions(ctx context.Context, id int64, text string) error {
	body := map[string]any{"instructions": map[string]string{"en": text}}
	return m.do(ctx, http.MethodPut, fmt.Sprintf("/api/v1/subscriptions/%d/instructions", id), body, nil)
}

func (m *market) addCredential(ctx context.Context, id int64, key, value, description string) error {
	body := map[string]any{"credentials": []map[string]any{{"key": key, "value": value, "description": map[string]string{"en": description}}}}
	return m.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/subscriptions/%d/credentials", id), body, nil)
}
