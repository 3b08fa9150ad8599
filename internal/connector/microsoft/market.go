package microsoft

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// market is the connector's client of the marketplace's native API
// (/api/v1), authenticated as the vendor that owns the Microsoft products.
type market struct {
	base  string // http://host:port, without /api
	token string
	hc    *http.Client
}

// marketError is an answer of the marketplace other than success.
type marketError struct {
	Status int
	Body   string
}

func (e *marketError) Error() string { return fmt.Sprintf("marketplace: %d %s", e.Status, e.Body) }

func isStatus(err error, status int) bool {
	var me *marketError
	return errors.As(err, &me) && me.Status == status
}

func (m *market) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("marketplace %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, m.base+path, rd)
	if err != nil {
		return fmt.Errorf("marketplace %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+m.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := m.hc.Do(req)
	if err != nil {
		return fmt.Errorf("marketplace %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("marketplace %s %s: %w", method, path, &marketError{Status: resp.StatusCode, Body: strings.TrimSpace(string(raw))})
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("marketplace %s %s: %w", method, path, err)
		}
	}
	return nil
}

// The marketplace's resources, as much as the connector reads of them.

type mSubscription struct {
	ID               int64          `json:"id"`
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
}

func (m *market) subscription(ctx context.Context, id int64) (mSubscription, error) {
	var s mSubscription
	return s, m.call(ctx, http.MethodGet, fmt.Sprintf("/api/v1/subscriptions/%d", id), nil, &s)
}

func (m *market) product(ctx context.Context, id int64) (mProduct, error) {
	var p mProduct
	return p, m.call(ctx, http.MethodGet, fmt.Sprintf("/api/v1/products/%d", id), nil, &p)
}

func (m *market) plan(ctx context.Context, id int64) (mPlan, error) {
	var p mPlan
	return p, m.call(ctx, http.MethodGet, fmt.Sprintf("/api/v1/plans/%d", id), nil, &p)
}

func (m *market) organization(ctx context.Context, id int64) (mOrganization, error) {
	var o mOrganization
	return o, m.call(ctx, http.MethodGet, fmt.Sprintf("/api/v1/organizations/%d", id), nil, &o)
}

func (m *market) metadata(ctx context.Context, id int64) (map[string]string, error) {
	var out struct {
		Metadata map[string]string `json:"metadata"`
	}
	err := m.call(ctx, http.MethodGet, fmt.Sprintf("/api/v1/subscriptions/%d/metadata", id), nil, &out)
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	return out.Metadata, err
}

func (m *market) setMetadata(ctx context.Context, id int64, md map[string]string) error {
	return m.call(ctx, http.MethodPut, fmt.Sprintf("/api/v1/subscriptions/%d/metadata", id), map[string]any{"metadata": md}, nil)
}

func (m *market) setStatus(ctx context.Context, id int64, status string) error {
	return m.call(ctx, http.MethodPatch, fmt.Sprintf("/api/v1/subscriptions/%d", id), map[string]any{"deployment_status": status}, nil)
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
		if err := m.call(ctx, http.MethodGet, q, nil, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.NextCursor == nil || *page.NextCursor == "" {
			return all, nil
		}
		cursor = *page.NextCursor
	}
}
