package vendorapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// ListOptions select and page a list of subscriptions.
type ListOptions struct {
	// Page counts from 1; 0 means 1.
	Page int
	// PageSize is 1 to 200; 0 means the marketplace's default, 20.
	PageSize int
	// DeploymentStatus, when set, keeps the subscriptions in that status.
	DeploymentStatus string
	// ProductID, when set, keeps the subscriptions of that product.
	ProductID int64
}

// SubscriptionPage is one page of a list.
type SubscriptionPage struct {
	Subscriptions []Subscription
	// Page and PageSize as the marketplace applied them; TotalItems and
	// TotalPages count the whole list (CMW-* answer headers).
	Page, PageSize, TotalItems, TotalPages int
}

// Subscriptions lists the subscriptions of the vendor's products (GET
// subscription), a page at a time: how a vendor reconciles its tenants
// with the marketplace, e.g. after being down.
func (c *Client) Subscriptions(ctx context.Context, opts ListOptions) (SubscriptionPage, error) {
	return c.list(ctx, "subscription", url.Values{}, opts)
}

// ExpiringSubscriptions lists the live subscriptions whose term ends
// within days (GET subscription/expiring?days=…; 0 means the marketplace's
// default, 30).
func (c *Client) ExpiringSubscriptions(ctx context.Context, days int, opts ListOptions) (SubscriptionPage, error) {
	q := url.Values{}
	if days > 0 {
		q.Set("days", strconv.Itoa(days))
	}
	return c.list(ctx, "subscription/expiring", q, opts)
}

// list pages with the CMW-PageSize and CMW-PageNumber request headers, as
// Cloudesire's clients do.
func (c *Client) list(ctx context.Context, path string, q url.Values, opts ListOptions) (SubscriptionPage, error) {
	if opts.DeploymentStatus != "" {
		q.Set("deploymentStatus", opts.DeploymentStatus)
	}
	if opts.ProductID != 0 {
		q.Set("product", strconv.FormatInt(opts.ProductID, 10))
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	h := http.Header{}
	if opts.Page > 0 {
		h.Set("CMW-PageNumber", strconv.Itoa(opts.Page))
	}
	if opts.PageSize > 0 {
		h.Set("CMW-PageSize", strconv.Itoa(opts.PageSize))
	}
	var page SubscriptionPage
	ah, err := c.do(ctx, http.MethodGet, path, h, nil, &page.Subscriptions)
	if err != nil {
		return SubscriptionPage{}, err
	}
	number := func(name string) int {
		n, _ := strconv.Atoi(ah.Get(name))
		return n
	}
	page.Page, page.PageSize = number("CMW-PageNumber"), number("CMW-PageSize")
	page.TotalItems, page.TotalPages = number("CMW-TotalItems"), number("CMW-TotalPages")
	if page.Subscriptions == nil {
		page.Subscriptions = []Subscription{}
	}
	return page, nil
}
