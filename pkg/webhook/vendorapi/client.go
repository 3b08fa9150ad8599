// Package vendorapi is a client of the Cloudesire-compatible vendor API that
// Mercato serves under /api/: what a syndicated vendor calls after a webhook
// tells it that something changed.
//
//	c, err := vendorapi.New("https://marketplace.example/api/", vendorapi.Credentials{Token: os.Getenv("MERCATO_VENDOR_TOKEN")})
//	sub, err := c.Subscription(ctx, n.ID)           // n: the webhook.Notification
//	if sub.ReadyToProvision() {
//		// create the tenant, then:
//		_, err = c.SetEndpoints(ctx, sub.ID, []vendorapi.Endpoint{{Endpoint: "https://acme.app.example/", Category: vendorapi.CategoryApp}})
//		_, err = c.SetDeploymentStatus(ctx, sub.ID, vendorapi.StatusDeployed)
//	}
//
// Lists ([Client.Subscriptions], [Client.ExpiringSubscriptions]) come a
// page at a time, with the CMW-TotalItems and CMW-TotalPages counts.
//
// Every method takes a context and sends one request; there are no
// retries: a vendor answering a webhook returns the error, the handler
// answers 500 and the marketplace delivers the notification again later.
// An answer other than 2xx is an [*Error] carrying the status and the
// body's errorHolders; test it with [errors.As], or with [errors.Is] against
// [ErrNotFound], [ErrUnauthorized], [ErrForbidden] and [ErrBadRequest].
//
// The package needs only the standard library, like the rest of the module.
package vendorapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Credentials authenticate the client.
type Credentials struct {
	// Token is an API token of the vendor's user (mct_…). Alone, it is sent
	// as CMW-Auth-Token, as Cloudesire's public vendor templates send it.
	Token string
	// User, when set, is the email of the token's user: sent as
	// CMW-Auth-User, which the marketplace checks against the token.
	User string
	// Basic sends HTTP Basic authentication instead of the CMW-Auth-*
	// headers, with User as user name and Token as password (Mercato keeps
	// no other API passwords). It needs User.
	Basic bool
}

// DefaultTimeout bounds each request when no HTTP client is given.
const DefaultTimeout = 30 * time.Second

// maxAnswer bounds the bodies read: far above any answer of this API.
const maxAnswer = 16 << 20

// UserAgent is sent with every request.
const UserAgent = "mercato-vendorapi-go/1"

// Client calls the API. It is safe for concurrent use.
type Client struct {
	base  *url.URL // ends in "/"
	creds Credentials
	hc    *http.Client
	lang  string // sent as ?language=
}

// Option configures a client.
type Option func(*Client)

// WithHTTPClient sends the requests with hc instead of a client with
// [DefaultTimeout].
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithLanguage asks for texts kept per language (end-user instructions,
// credential descriptions) in lang, a two-letter code such as "it"; the
// marketplace answers English otherwise.
func WithLanguage(lang string) Option { return func(c *Client) { c.lang = lang } }

// New returns a client of the API at base, the marketplace's /api/ URL
// ("https://marketplace.example/api/"; a missing final slash is added).
func New(base string, creds Credentials, opts ...Option) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("vendorapi: base URL: %w", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("vendorapi: base URL %q: want http(s)://host/api/", base)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("vendorapi: base URL %q: no query or fragment", base)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	if creds.Token == "" {
		return nil, errors.New("vendorapi: no token")
	}
	if creds.Basic && creds.User == "" {
		return nil, errors.New("vendorapi: Basic authentication needs the user's email")
	}
	c := &Client{base: u, creds: creds, hc: &http.Client{Timeout: DefaultTimeout}}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Me returns the user the credentials belong to (GET user/me): the way to
// test them.
func (c *Client) Me(ctx context.Context) (User, error) {
	var u User
	err := c.Do(ctx, http.MethodGet, "user/me", nil, &u)
	return u, err
}

// Subscription returns a subscription (GET subscription/{id}).
func (c *Client) Subscription(ctx context.Context, id int64) (Subscription, error) {
	var s Subscription
	err := c.Do(ctx, http.MethodGet, subscriptionPath(id, ""), nil, &s)
	return s, err
}

// SetDeploymentStatus reports the subscription's deployment status
// (PATCH subscription/{id} {"deploymentStatus": status}), e.g.
// [StatusDeployed] once provisioned, [StatusFailed] with instructions saying
// why, [StatusUndeployed] once deprovisioned. It returns the subscription
// as it is afterwards. A move the subscription's state does not allow is a
// 400 [*Error].
func (c *Client) SetDeploymentStatus(ctx context.Context, id int64, status string) (Subscription, error) {
	var s Subscription
	err := c.Do(ctx, http.MethodPatch, subscriptionPath(id, ""), map[string]string{"deploymentStatus": status}, &s)
	return s, err
}

// SetEndpoints replaces the subscription's endpoints (POST
// subscription/{id}/endpoints): exactly one of [CategoryApp], https URLs.
// It returns the endpoints stored.
func (c *Client) SetEndpoints(ctx context.Context, id int64, eps []Endpoint) ([]Endpoint, error) {
	if eps == nil {
		eps = []Endpoint{}
	}
	var out []Endpoint
	err := c.Do(ctx, http.MethodPost, subscriptionPath(id, "endpoints"), eps, &out)
	return out, err
}

// SetInstructions replaces the end user's instructions (POST
// subscription/{id}/instructions), keyed by two-letter language ("en",
// "it"). It returns the instructions stored.
func (c *Client) SetInstructions(ctx context.Context, id int64, byLanguage map[string]string) (map[string]string, error) {
	if byLanguage == nil {
		byLanguage = map[string]string{}
	}
	var out map[string]string
	err := c.Do(ctx, http.MethodPost, subscriptionPath(id, "instructions"), byLanguage, &out)
	return out, err
}

// AddCredentials adds first-access credentials to the subscription, merged
// by key (POST subscription/{id}/credentials). The answer lists the
// credentials as the subscription shows them, without their values: the
// vendor does not read them back.
func (c *Client) AddCredentials(ctx context.Context, id int64, creds []Credential) ([]SubscriptionCredential, error) {
	if creds == nil {
		creds = []Credential{}
	}
	var out []SubscriptionCredential
	err := c.Do(ctx, http.MethodPost, subscriptionPath(id, "credentials"), creds, &out)
	return out, err
}

func subscriptionPath(id int64, sub string) string {
	p := "subscription/" + strconv.FormatInt(id, 10)
	if sub != "" {
		p += "/" + sub
	}
	return p
}

// Do sends one request to path, relative to the base URL (e.g. a
// notification's EntityURL, "subscription/2388"), with body encoded as JSON
// when not nil, and decodes a 2xx answer's JSON into out when out is not
// nil. Any other answer is an [*Error]. Use it for the resources this
// package has no method for.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	_, err := c.do(ctx, method, path, nil, body, out)
	return err
}

// do is Do with extra request headers, returning the answer's headers.
func (c *Client) do(ctx context.Context, method, path string, header http.Header, body, out any) (http.Header, error) {
	rel, err := url.Parse(strings.TrimPrefix(path, "/"))
	if err != nil || rel.IsAbs() || rel.Host != "" {
		return nil, fmt.Errorf("vendorapi: path %q: want a path relative to the API base", path)
	}
	target := c.base.ResolveReference(rel)
	if c.lang != "" {
		q := target.Query()
		q.Set("language", c.lang)
		target.RawQuery = q.Encode()
	}
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("vendorapi: %s %s: encode body: %w", method, path, err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, target.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("vendorapi: %s %s: %w", method, path, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.creds.Basic {
		req.SetBasicAuth(c.creds.User, c.creds.Token)
	} else {
		req.Header.Set("CMW-Auth-Token", c.creds.Token)
		if c.creds.User != "" {
			req.Header.Set("CMW-Auth-User", c.creds.User)
		}
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("vendorapi: %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("vendorapi: %s %s: read answer: %w", method, path, err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return nil, newError(method, path, res.StatusCode, raw)
	}
	if out == nil || len(bytes.TrimSpace(raw)) == 0 {
		return res.Header, nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, fmt.Errorf("vendorapi: %s %s: decode answer: %w", method, path, err)
	}
	return res.Header, nil
}
