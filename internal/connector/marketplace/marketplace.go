// Package marketplace is the connectors' client of the marketplace's native
// API (/api/v1): a connector talks to Mercato exactly as a third-party
// vendor would, with a bearer token.
package marketplace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Client calls the marketplace's API.
type Client struct {
	Base  string // http(s)://host:port, without /api/v1
	Token string
	HTTP  *http.Client
}

// Error is an answer of the marketplace other than 2xx.
type Error struct {
	Status int
	Body   string
}

func (e *Error) Error() string { return fmt.Sprintf("marketplace answered %d: %s", e.Status, e.Body) }

// IsStatus reports whether err is the marketplace answering status.
func IsStatus(err error, status int) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == status
}

// Do sends body as JSON (when not nil) and decodes the answer into out
// (when not nil and not empty).
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("marketplace %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return fmt.Errorf("marketplace %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("marketplace %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("marketplace %s %s: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		return fmt.Errorf("marketplace %s %s: %w", method, path, &Error{Status: res.StatusCode, Body: strings.TrimSpace(string(raw))})
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("marketplace %s %s: %w", method, path, err)
		}
	}
	return nil
}
