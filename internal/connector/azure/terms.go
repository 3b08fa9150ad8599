package azure

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	engine "github.com/mercato-market/mercato/internal/arm"
)

// termsAPIVersion is Microsoft.MarketplaceOrdering's API version.
const termsAPIVersion = "2021-01-01"

// offerPlan is a Marketplace image plan a template deploys.
type offerPlan struct{ publisher, offer, plan string }

// plansOf lists the Marketplace plans of the evaluated resources (their
// "plan" property), once each; none when the template was not evaluated.
func plansOf(res *engine.Result) []offerPlan {
	var out []offerPlan
	if res == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, r := range res.Resources {
		pl, ok := r.Body["plan"].(map[string]any)
		if !ok {
			continue
		}
		p := offerPlan{}
		p.publisher, _ = pl["publisher"].(string)
		p.offer, _ = pl["product"].(string)
		p.plan, _ = pl["name"].(string)
		k := strings.ToLower(p.publisher + "/" + p.offer + "/" + p.plan)
		if p.publisher == "" || p.offer == "" || p.plan == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, p)
	}
	return out
}

// acceptTerms accepts the Marketplace terms of every plan the template
// deploys, through the SDK's generic ARM client (no typed client is
// needed for two calls): GET the agreement, and PUT it back with
// accepted=true when it is not accepted yet. With accept false it only
// leaves them as they are, and Azure refuses the deployment if needed.
func (c *Connector) acceptTerms(ctx context.Context, res *engine.Result, accept bool) error {
	if !accept {
		return nil
	}
	for _, p := range plansOf(res) {
		u := runtime.JoinPaths(c.generic.Endpoint(), "subscriptions", url.PathEscape(c.cfg.SubscriptionID),
			"providers/Microsoft.MarketplaceOrdering/offerTypes/virtualmachine/publishers", url.PathEscape(p.publisher),
			"offers", url.PathEscape(p.offer), "plans", url.PathEscape(p.plan), "agreements/current")
		var agreement map[string]any
		if err := c.callGeneric(ctx, http.MethodGet, u, nil, &agreement); err != nil {
			return fmt.Errorf("get marketplace terms of %s/%s/%s: %w", p.publisher, p.offer, p.plan, err)
		}
		props, _ := agreement["properties"].(map[string]any)
		if props == nil {
			return fmt.Errorf("marketplace terms of %s/%s/%s: no properties", p.publisher, p.offer, p.plan)
		}
		if accepted, _ := props["accepted"].(bool); accepted {
			continue
		}
		props["accepted"] = true
		if err := c.callGeneric(ctx, http.MethodPut, u, agreement, nil); err != nil {
			return fmt.Errorf("accept marketplace terms of %s/%s/%s: %w", p.publisher, p.offer, p.plan, err)
		}
		c.log.InfoContext(ctx, "azure connector: accepted marketplace terms", "publisher", p.publisher, "offer", p.offer, "plan", p.plan)
	}
	return nil
}

// callGeneric sends one request through the generic client's pipeline
// (bearer token, retries, throttling, logging as every SDK client).
func (c *Connector) callGeneric(ctx context.Context, method, u string, body, out any) error {
	req, err := runtime.NewRequest(ctx, method, u)
	if err != nil {
		return err
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", termsAPIVersion)
	req.Raw().URL.RawQuery = q.Encode()
	req.Raw().Header.Set("Accept", "application/json")
	if body != nil {
		if err := runtime.MarshalAsJSON(req, body); err != nil {
			return err
		}
	}
	resp, err := c.generic.Pipeline().Do(req)
	if err != nil {
		return err
	}
	if !runtime.HasStatusCode(resp, http.StatusOK, http.StatusCreated) {
		return runtime.NewResponseError(resp)
	}
	if out != nil {
		return runtime.UnmarshalAsJSON(resp, out)
	}
	return nil
}
