package azure

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	engine "github.com/mercato-market/mercato/internal/arm"
	"github.com/mercato-market/mercato/internal/armproduct"
	"github.com/mercato-market/mercato/internal/catalog"
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
// needed for two calls): GET the agreement, and PUT it back (its signature
// echoed) with accepted=true when it is not accepted yet. It does so only
// when the buyer accepted the publisher's terms with the order (the
// subscription's terms_acceptance), and records on the subscription's
// metadata who accepted and when; without the buyer's acceptance (or with
// accept false: the operator's business) it leaves them as they are, and
// Azure refuses the deployment unless they were accepted already.
func (c *Connector) acceptTerms(ctx context.Context, sub subscription, res *engine.Result, accept bool) error {
	plans := plansOf(res)
	if !accept || len(plans) == 0 {
		return nil
	}
	buyer := sub.TermsAcceptance
	if buyer == nil {
		c.log.WarnContext(ctx, "azure connector: the buyer did not accept the publisher's terms; not accepting them on Azure", "subscription", sub.ID)
		return nil
	}
	record := map[string]string{}
	for _, p := range plans {
		u := c.agreementURL(p)
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
		var signed map[string]any
		if err := c.callGeneric(ctx, http.MethodPut, u, agreement, &signed); err != nil {
			return fmt.Errorf("accept marketplace terms of %s/%s/%s: %w", p.publisher, p.offer, p.plan, err)
		}
		sp, _ := signed["properties"].(map[string]any)
		at, _ := sp["retrieveDatetime"].(string)
		signature, _ := sp["signature"].(string)
		record[MetaTermsAzurePlan] = p.publisher + "/" + p.offer + "/" + p.plan
		record[MetaTermsAzureAcceptedAt] = at
		record[MetaTermsAzureSignature] = signature
		c.log.InfoContext(ctx, "azure connector: accepted marketplace terms", "subscription", sub.ID, "publisher", p.publisher, "offer", p.offer,
			"plan", p.plan, "buyer_user", buyer.UserID, "buyer_organization", buyer.OrganizationID)
	}
	if len(record) == 0 {
		return nil // accepted on Azure already
	}
	record[MetaTermsAcceptedByUser] = strconv.FormatInt(buyer.UserID, 10)
	record[MetaTermsAcceptedByOrganization] = strconv.FormatInt(buyer.OrganizationID, 10)
	record[MetaTermsBuyerAcceptedAt] = buyer.AcceptedAt.UTC().Format(time.RFC3339)
	record[MetaTermsVersion] = buyer.Version
	if err := c.market.mergeMetadata(ctx, sub.ID, record); err != nil {
		return fmt.Errorf("record the acceptance of the marketplace terms: %w", err)
	}
	return nil
}

// Subscription metadata the connector writes when it accepts a plan's
// terms on Azure: who accepted them at checkout and when, and Azure's
// record of the acceptance.
const (
	MetaTermsAcceptedByUser         = "azure.terms.accepted_by_user"
	MetaTermsAcceptedByOrganization = "azure.terms.accepted_by_organization"
	MetaTermsBuyerAcceptedAt        = "azure.terms.buyer_accepted_at"
	MetaTermsVersion                = "azure.terms.version"
	MetaTermsAzurePlan              = "azure.terms.plan"
	MetaTermsAzureAcceptedAt        = "azure.terms.azure_accepted_at"
	MetaTermsAzureSignature         = "azure.terms.signature"
)

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

// agreementURL is the Microsoft.MarketplaceOrdering agreement of a VM
// offer's plan on the connector's subscription.
func (c *Connector) agreementURL(p offerPlan) string {
	return runtime.JoinPaths(c.generic.Endpoint(), "subscriptions", url.PathEscape(c.cfg.SubscriptionID),
		"providers/Microsoft.MarketplaceOrdering/offerTypes/virtualmachine/publishers", url.PathEscape(p.publisher),
		"offers", url.PathEscape(p.offer), "plans", url.PathEscape(p.plan), "agreements/current")
}

// FetchTerms fills in the publisher's terms of an Azure Marketplace VM
// product (catalog.MetaTerms*: the links and a summary the buyer reads at
// checkout) from Microsoft.MarketplaceOrdering's agreement of its plan,
// when its vendor entered none; terms the vendor entered are left as they
// are. Reading the agreement accepts nothing. The connector runs it when a
// plan of one of its products is created or changed (a ProductVersion
// notification), that is when the vendor sets the product up.
func (c *Connector) FetchTerms(ctx context.Context, productID int64) error {
	p, err := c.market.product(ctx, productID)
	if err != nil {
		return err
	}
	op := offerPlan{p.Metadata[armproduct.MetaPublisher], p.Metadata[armproduct.MetaOffer], p.Metadata[armproduct.MetaPlan]}
	if p.Type != "azure_marketplace_vm" || op.publisher == "" || op.offer == "" || op.plan == "" {
		return nil
	}
	for _, k := range []string{catalog.MetaTermsLicense, catalog.MetaTermsPrivacy, catalog.MetaTermsMarketplace, catalog.MetaTermsSummary} {
		if p.Metadata[k] != "" {
			return nil // the vendor's own
		}
	}
	var agreement struct {
		Properties struct {
			LicenseTextLink      string `json:"licenseTextLink"`
			PrivacyPolicyLink    string `json:"privacyPolicyLink"`
			MarketplaceTermsLink string `json:"marketplaceTermsLink"`
		} `json:"properties"`
	}
	if err := c.callGeneric(ctx, http.MethodGet, c.agreementURL(op), nil, &agreement); err != nil {
		return fmt.Errorf("get marketplace terms of %s/%s/%s: %w", op.publisher, op.offer, op.plan, err)
	}
	md := maps.Clone(p.Metadata)
	a := agreement.Properties
	md[catalog.MetaTermsLicense], md[catalog.MetaTermsPrivacy], md[catalog.MetaTermsMarketplace] = a.LicenseTextLink, a.PrivacyPolicyLink, a.MarketplaceTermsLink
	md[catalog.MetaTermsSummary] = fmt.Sprintf("The image %s/%s, plan %s, is sold on Azure Marketplace under its publisher's licence, privacy policy and the Azure Marketplace terms linked here.",
		op.publisher, op.offer, op.plan)
	for k, v := range md {
		if v == "" {
			delete(md, k) // a link the agreement lacks
		}
	}
	if err := c.market.setProductMetadata(ctx, productID, md); err != nil {
		return fmt.Errorf("record the publisher's terms of product %d: %w", productID, err)
	}
	c.log.InfoContext(ctx, "azure connector: publisher's terms read from Azure", "product", productID, "publisher", op.publisher, "offer", op.offer, "plan", op.plan)
	return nil
}

// fetchTermsOfPlan runs FetchTerms for the product of a plan, in the
// background (a webhook is answered at once).
func (c *Connector) fetchTermsOfPlan(planID int64) {
	c.mu.Lock()
	ctx := c.base
	c.mu.Unlock()
	if ctx.Err() != nil {
		return
	}
	c.wg.Go(func() {
		productID, err := c.market.planProduct(ctx, planID)
		if err == nil {
			err = c.FetchTerms(ctx, productID)
		}
		if err != nil && ctx.Err() == nil {
			c.log.WarnContext(ctx, "azure connector: publisher's terms not read", "plan", planID, "err", err)
		}
	})
}
