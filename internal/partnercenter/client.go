// Package partnercenter is a client of the Microsoft Partner Center REST API
// (https://api.partnercenter.microsoft.com/v1) for a CSP partner app:
// app-only tokens from Entra ID (client credentials), cached and refreshed;
// typed requests for customers, the catalog, legacy orders, new-commerce
// carts, subscriptions, Azure entitlements and utilization; retries with
// exponential backoff that honour Retry-After and resend the same
// MS-RequestId, so that a retried order is never placed twice; typed errors
// with Microsoft's code and description.
//
// Base URLs are configuration: the same client talks to the real service and
// to the emulator (internal/emulator/partnercenter).
package partnercenter

import (
	"github.com/mercato-market/mercato/internal/telemetry"

	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the real service.
const (
	DefaultBaseURL  = "https://api.partnercenter.microsoft.com"
	DefaultLoginURL = "https://login.microsoftonline.com"
	// Resource is Partner Center's token audience.
	Resource = "https://api.partnercenter.microsoft.com"
)

// Config configures a [Client].
type Config struct {
	BaseURL  string // default DefaultBaseURL (without /v1)
	LoginURL string // default DefaultLoginURL
	// TenantID is the partner's tenant (id or domain).
	TenantID     string
	ClientID     string
	ClientSecret string
	// HTTPClient (default: a client with a 60 s timeout).
	HTTPClient *http.Client
	// MaxAttempts per logical call, first included (default 8).
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the exponential backoff between
	// attempts (default 200 ms and 30 s); a Retry-After answer waits what it
	// asks, up to MaxRetryAfter (default 2 min).
	MinBackoff, MaxBackoff, MaxRetryAfter time.Duration
	// AttemptTimeout bounds one attempt (default 30 s).
	AttemptTimeout time.Duration
	Log            *slog.Logger
}

// Client is a Partner Center client, safe for concurrent use.
type Client struct {
	cfg Config
	hc  *http.Client
	log *slog.Logger

	tokMu   sync.Mutex
	token   string
	expires time.Time

	attempts, retries, tokenFetches atomic.Int64
}

// Stats counts a client's work.
type Stats struct {
	Attempts     int64 // HTTP requests to Partner Center
	Retries      int64 // attempts after the first of a logical call
	TokenFetches int64 // tokens obtained from Entra ID
}

// New returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.TenantID == "" || cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("partnercenter: tenant id, client id and client secret are required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.LoginURL == "" {
		cfg.LoginURL = DefaultLoginURL
	}
	cfg.BaseURL = strings.TrimSuffix(strings.TrimSuffix(cfg.BaseURL, "/"), "/v1")
	cfg.LoginURL = strings.TrimSuffix(cfg.LoginURL, "/")
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 200 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = 2 * time.Minute
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = 30 * time.Second
	}
	c := &Client{cfg: cfg, hc: cfg.HTTPClient, log: cfg.Log}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 60 * time.Second}
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c, nil
}

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	return Stats{Attempts: c.attempts.Load(), Retries: c.retries.Load(), TokenFetches: c.tokenFetches.Load()}
}

// Error is an answer of Partner Center other than success, read from its
// documented body (code, description, data, source); Code is kept as text
// whether the service wrote it as a string or a number.
type Error struct {
	Status        int
	Code          string
	Description   string
	Data          []json.RawMessage
	Source        string
	RequestID     string
	CorrelationID string
	RetryAfter    time.Duration
}

func (e *Error) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("partner center: %d %s", e.Status, e.Description)
	}
	return fmt.Sprintf("partner center: %d %s: %s", e.Status, e.Code, e.Description)
}

// Temporary reports whether the same call may succeed later (429, 5xx,
// 408).
func (e *Error) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout || e.Status >= 500
}

// AuthError is a refusal of the token endpoint, with Entra's error and
// AADSTS codes (invalid_client, AADSTS7000215: a wrong secret).
type AuthError struct {
	Status      int
	Code        string
	Description string
	AADSTS      []int
}

func (e *AuthError) Error() string {
	d, _, _ := strings.Cut(e.Description, "\r\n")
	return fmt.Sprintf("partner center: token: %d %s: %s", e.Status, e.Code, d)
}

// IsNotFound reports whether err is a 404 of Partner Center.
func IsNotFound(err error) bool {
	var pe *Error
	return errors.As(err, &pe) && pe.Status == http.StatusNotFound
}

// IsTemporary reports whether err may heal by itself: throttling, server
// errors, network failures. Errors of the request itself (4xx), and refused
// credentials, are not.
func IsTemporary(err error) bool {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Temporary()
	}
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae.Status >= 500 || ae.Status == http.StatusTooManyRequests
	}
	return err != nil && !errors.Is(err, context.Canceled)
}

// tokenFor returns a cached token, fetching one when none is left or it
// expires soon (within a fifth of its lifetime, at most five minutes).
func (c *Client) tokenFor(ctx context.Context, force bool) (string, error) {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	if !force && c.token != "" && time.Now().Before(c.expires) {
		return c.token, nil
	}
	form := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {c.cfg.ClientID}, "client_secret": {c.cfg.ClientSecret},
		"scope": {Resource + "/.default"},
	}
	endpoint := c.cfg.LoginURL + "/" + url.PathEscape(c.cfg.TenantID) + "/oauth2/v2.0/token"
	var lastErr error
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			if err := Sleep(ctx, c.backoff(attempt, 0)); err != nil {
				return "", err
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
		if err != nil {
			return "", fmt.Errorf("partner center: token: %w", err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		resp, err := c.hc.Do(req)
		if err != nil {
			lastErr = fmt.Errorf("partner center: token: %w", err)
			continue
		}
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			var eb struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
				Codes       []int  `json:"error_codes"`
			}
			_ = json.Unmarshal(raw, &eb)
			ae := &AuthError{Status: resp.StatusCode, Code: eb.Error, Description: eb.Description, AADSTS: eb.Codes}
			if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
				lastErr = ae
				continue
			}
			return "", ae
		}
		var tr struct {
			AccessToken string          `json:"access_token"`
			ExpiresIn   json.RawMessage `json:"expires_in"`
		}
		if err := json.Unmarshal(raw, &tr); err != nil || tr.AccessToken == "" {
			return "", fmt.Errorf("partner center: token: unreadable answer: %w", err)
		}
		secs, _ := strconv.ParseInt(strings.Trim(string(tr.ExpiresIn), `"`), 10, 64)
		if secs <= 0 {
			secs = 300
		}
		life := time.Duration(secs) * time.Second
		c.token, c.expires = tr.AccessToken, time.Now().Add(life-min(life/5, 5*time.Minute))
		c.tokenFetches.Add(1)
		return c.token, nil
	}
	return "", lastErr
}

// call is one logical call: the same MS-RequestId and MS-CorrelationId on
// every attempt.
type call struct {
	method, path string // path after /v1, with its query
	body         any
	out          any
	header       map[string]string
}

// do performs a logical call with retries and returns the last answer's
// status.
func (c *Client) do(ctx context.Context, cl call) (int, http.Header, error) {
	var body []byte
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil {
			return 0, nil, fmt.Errorf("partner center: %s %s: %w", cl.method, cl.path, err)
		}
		body = b
	}
	requestID, correlationID := newGUID(), newGUID()
	if id, ok := ctx.Value(requestIDKey{}).(string); ok && id != "" {
		requestID = id
	}
	var lastErr error
	forced, refreshed := false, false
	for attempt := 0; attempt < c.cfg.MaxAttempts; attempt++ {
		if attempt > 0 && !forced {
			c.retries.Add(1)
			var ra time.Duration
			var pe *Error
			if errors.As(lastErr, &pe) {
				ra = pe.RetryAfter
			}
			if err := Sleep(ctx, c.backoff(attempt, ra)); err != nil {
				return 0, nil, errors.Join(err, lastErr)
			}
		}
		status, hdr, err := c.attempt(ctx, cl, body, requestID, correlationID, forced)
		if forced {
			forced = false
			attempt-- // a refreshed token does not use up an attempt
		}
		if err == nil {
			return status, hdr, nil
		}
		lastErr = err
		var pe *Error
		switch {
		case ctx.Err() != nil:
			return 0, nil, err
		case errors.As(err, &pe) && pe.Status == http.StatusUnauthorized && !refreshed:
			forced, refreshed = true, true // the token expired or was revoked: fetch a new one
			c.retries.Add(1)
			continue
		case !IsTemporary(err):
			return status, hdr, err
		}
		c.log.DebugContext(ctx, "partner center: retrying", "method", cl.method, "path", strings.SplitN(cl.path, "?", 2)[0], "attempt", attempt+1, "err", err)
	}
	return 0, nil, fmt.Errorf("partner center: %s %s: gave up after %d attempts: %w", cl.method, strings.SplitN(cl.path, "?", 2)[0], c.cfg.MaxAttempts, lastErr)
}

func (c *Client) attempt(ctx context.Context, cl call, body []byte, requestID, correlationID string, forceToken bool) (int, http.Header, error) {
	tok, err := c.tokenFor(ctx, forceToken)
	if err != nil {
		return 0, nil, err
	}
	actx, cancel := context.WithTimeout(ctx, c.cfg.AttemptTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, c.cfg.BaseURL+"/v1"+cl.path, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("partner center: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("MS-RequestId", requestID)
	req.Header.Set("MS-CorrelationId", correlationID)
	req.Header.Set("MS-Contract-Version", "v1")
	req.Header.Set("X-Locale", "en-US")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range cl.header {
		req.Header.Set(k, v)
	}
	c.attempts.Add(1)
	resp, err := c.hc.Do(req)
	countCall(cl, resp, err)
	if err != nil {
		return 0, nil, fmt.Errorf("partner center: %s %s: %w", cl.method, strings.SplitN(cl.path, "?", 2)[0], err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("partner center: %s %s: reading the answer: %w", cl.method, strings.SplitN(cl.path, "?", 2)[0], err)
	}
	if resp.StatusCode >= 400 {
		pe := &Error{Status: resp.StatusCode, RequestID: requestID, CorrelationID: correlationID, RetryAfter: retryAfter(resp.Header)}
		var eb struct {
			Code        json.RawMessage   `json:"code"`
			Description string            `json:"description"`
			Message     string            `json:"message"`
			Data        []json.RawMessage `json:"data"`
			Source      string            `json:"source"`
		}
		if json.Unmarshal(raw, &eb) == nil {
			pe.Code, pe.Description, pe.Data, pe.Source = errorCode(eb.Code), eb.Description, eb.Data, eb.Source
			if pe.Description == "" {
				pe.Description = eb.Message
			}
		}
		if pe.Description == "" {
			pe.Description = http.StatusText(resp.StatusCode)
		}
		return resp.StatusCode, resp.Header, pe
	}
	if cl.out != nil && len(raw) > 0 && resp.StatusCode != http.StatusNoContent {
		if err := json.Unmarshal(raw, cl.out); err != nil {
			return 0, nil, fmt.Errorf("partner center: %s %s: unreadable answer: %w", cl.method, strings.SplitN(cl.path, "?", 2)[0], err)
		}
	}
	return resp.StatusCode, resp.Header, nil
}

// errorCode is an error body's code as text: Partner Center writes it as
// a string ("600008") in some answers and a number (2000) in others.
func errorCode(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// backoff is the wait before attempt n (1-based retries): Retry-After when
// the service asked (capped), else exponential with full jitter.
func (c *Client) backoff(n int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, c.cfg.MaxRetryAfter)
	}
	d := c.cfg.MinBackoff << min(n-1, 20)
	if d <= 0 || d > c.cfg.MaxBackoff {
		d = c.cfg.MaxBackoff
	}
	j, _ := rand.Int(rand.Reader, big.NewInt(int64(d)/2+1))
	return d/2 + time.Duration(j.Int64())
}

// Sleep waits d, or returns early with an error when ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("partner center: %w", ctx.Err())
	}
}

func newGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

type requestIDKey struct{}

// WithRequestID makes the calls made with ctx send id as MS-RequestId
// instead of a fresh one, so that a logical operation repeated by a later
// process (a webhook delivered again after a crash) is still recognised by
// Partner Center as the same request. Use an id derived from the
// marketplace's own ids (see StableID), different for each distinct call.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// StableID derives a GUID from parts (SHA-256, version 5 layout), the same
// on every run and in every process.
func StableID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// countCall counts a Partner Center call for the metrics, by operation (the
// path with its ids replaced: /customers/{id}/subscriptions/{id}) and
// outcome.
func countCall(cl call, resp *http.Response, err error) {
	path, _, _ := strings.Cut(cl.path, "?")
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := 1; i < len(segs); i += 2 {
		segs[i] = "{id}"
	}
	outcome := "error"
	switch {
	case err != nil:
	case resp.StatusCode < 400:
		outcome = "ok"
	case resp.StatusCode == http.StatusTooManyRequests:
		outcome = "throttled"
	case resp.StatusCode >= 500:
		outcome = "server_error"
	default:
		outcome = "refused"
	}
	telemetry.ConnectorCalls.WithLabelValues("microsoft", cl.method+" /"+strings.Join(segs, "/"), outcome).Inc()
}
