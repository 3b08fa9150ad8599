package microsoft

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/mercato-market/mercato/internal/partnercenter"
)

var domainRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,26}\.onmicrosoft\.com$`)

// opID is the MS-RequestId of one step of provisioning subscription id: the
// same in every process and every delivery of the webhook.
func opID(sub mSubscription, step string) string {
	return partnercenter.StableID("mercato", "subscription", strconv.FormatInt(sub.ID, 10), step)
}

// friendlyName marks the Partner Center subscription with the marketplace
// subscription, so that an order placed before a crash is found again.
func friendlyName(sub mSubscription, prod mProduct) string {
	return fmt.Sprintf("%s (Mercato #%d)", prod.Name, sub.ID)
}

// provision carries a PENDING subscription to DEPLOYED.
func (c *Connector) provision(ctx context.Context, sub mSubscription, prod mProduct, md map[string]string) error {
	access, err := adminAccessRequest(sub, prod)
	if err != nil {
		return err // before anything is ordered
	}
	cust, creds, err := c.ensureCustomer(ctx, sub, md)
	if err != nil {
		return err
	}
	if md[MetaCustomerID] != cust.ID {
		md[MetaCustomerID], md[MetaDomain] = cust.ID, cust.CompanyProfile.Domain
		if err := c.m.setMetadata(ctx, sub.ID, md); err != nil {
			return err
		}
	}
	// The admin credentials exist only in the answer that created the
	// tenant: hand them to the customer at once.
	if creds != nil {
		if err := c.m.Do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/subscriptions/%d/credentials", sub.ID), map[string]any{"credentials": []map[string]any{
			{"key": "admin_user", "value": creds.UserName, "description": map[string]string{"en": "Microsoft 365 administrator"}, "weight": 1},
			{"key": "admin_password", "value": creds.Password, "description": map[string]string{"en": "Temporary password (change it at first sign-in)"}, "weight": 2},
		}}, nil); err != nil {
			return err
		}
	}

	if md[MetaSubscriptionID] == "" && md[MetaOrderID] == "" {
		pcSub, orderID, err := c.order(ctx, sub, prod, cust.ID, cust.BillingProfile.DefaultAddress.Country)
		if err != nil {
			return err
		}
		md[MetaSubscriptionID], md[MetaOrderID] = pcSub, orderID
		if err := c.m.setMetadata(ctx, sub.ID, md); err != nil {
			return err
		}
	}
	if md[MetaSubscriptionID] == "" {
		// The order is placed: Microsoft provisions it asynchronously.
		pcSub, err := c.awaitOrder(ctx, cust.ID, md[MetaOrderID])
		if err != nil {
			return err
		}
		md[MetaSubscriptionID] = pcSub
		if err := c.m.setMetadata(ctx, sub.ID, md); err != nil {
			return err
		}
	}
	if err := c.followRenewal(ctx, sub, md); err != nil {
		return err
	}

	domain := md[MetaDomain]
	endpoint := map[string]string{"endpoint": "https://portal.office.com/?tenant=" + domain, "description": "Microsoft 365", "category": "APP"}
	instructions := fmt.Sprintf("Your Microsoft 365 tenant is %s. Sign in at https://portal.office.com as the administrator shown under credentials "+
		"(if this order created the tenant) and assign the %d licences in the Microsoft 365 admin center (https://admin.microsoft.com).", domain, sub.Quantity)
	if prod.Type == TypeAzurePlan {
		if md[MetaAzureSubID] == "" {
			ents, err := c.pc.AzureEntitlements(ctx, cust.ID, md[MetaSubscriptionID])
			if err != nil {
				return classify(err, "Microsoft could not list the Azure subscriptions of the plan.")
			}
			if len(ents) == 0 {
				return fmt.Errorf("azure plan %s has no entitlement yet", md[MetaSubscriptionID])
			}
			md[MetaAzureSubID] = ents[0].SubscriptionID
			if err := c.m.setMetadata(ctx, sub.ID, md); err != nil {
				return err
			}
		}
		endpoint = map[string]string{"endpoint": "https://portal.azure.com/#@" + domain + "/resource/subscriptions/" + md[MetaAzureSubID] + "/overview",
			"description": "Azure portal", "category": "APP"}
		instructions = fmt.Sprintf("Your Azure subscription %s is in tenant %s.", md[MetaAzureSubID], domain)
		switch {
		case access != nil && c.arm != nil:
			if err := c.grantAdminAccess(ctx, sub, md, access); err != nil {
				return err
			}
			instructions += fmt.Sprintf(" Your administrator (object id %s) has the %s role on it: sign in to https://portal.azure.com as that user to manage it.", access.principal, access.roleName)
		case access != nil:
			instructions += " As a CSP customer you cannot reach it until your partner grants you access: access was requested for your administrator and is granted by the partner's operations team."
		default:
			instructions += " As a CSP customer you cannot reach it until your partner grants you access: order with \"grant admin access\" or ask your partner."
		}
		instructions += " Usage is billed monthly in arrears."
	}
	if err := c.m.Do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/subscriptions/%d/endpoints", sub.ID), map[string]any{"endpoints": []map[string]string{endpoint}}, nil); err != nil {
		return err
	}
	if err := c.m.Do(ctx, http.MethodPut, fmt.Sprintf("/api/v1/subscriptions/%d/instructions", sub.ID), map[string]any{"instructions": map[string]string{"en": instructions}}, nil); err != nil {
		return err
	}
	return c.report(ctx, sub.ID, "DEPLOYED")
}

type adminCredentials struct{ UserName, Password string }

// ensureCustomer finds the buyer's Partner Center customer (this
// subscription's metadata, another subscription of the buyer, a customer
// of the partner with the domain) or creates it.
func (c *Connector) ensureCustomer(ctx context.Context, sub mSubscription, md map[string]string) (partnercenter.Customer, *adminCredentials, error) {
	if id := md[MetaCustomerID]; id != "" {
		cu, err := c.pc.GetCustomer(ctx, id)
		return cu, nil, err
	}
	asked := strings.ToLower(configString(sub, "domain"))
	others, err := c.m.listSubscriptions(ctx, fmt.Sprintf("customer_id=%d", sub.CustomerID))
	if err != nil {
		return partnercenter.Customer{}, nil, err
	}
	for _, o := range others {
		if o.ID == sub.ID {
			continue
		}
		omd, err := c.m.metadata(ctx, o.ID)
		if err != nil {
			return partnercenter.Customer{}, nil, err
		}
		// Another order's tenant serves this one only when it names the
		// same domain (or none): an order for another domain is another
		// tenant, never silently the first one.
		if id := omd[MetaCustomerID]; id != "" && (asked == "" || strings.EqualFold(omd[MetaDomain], asked)) {
			cu, err := c.pc.GetCustomer(ctx, id)
			return cu, nil, err
		}
	}

	org, err := c.m.organization(ctx, sub.CustomerID)
	if err != nil {
		return partnercenter.Customer{}, nil, fmt.Errorf("reading the buyer's organization %d: %w", sub.CustomerID, err)
	}
	domain := asked
	if domain == "" {
		domain = derivedDomain(org.Name, sub.CustomerID)
	}
	if !domainRE.MatchString(domain) {
		return partnercenter.Customer{}, nil, &permanent{Reason: fmt.Sprintf("The Microsoft domain %q is not valid: use up to 27 letters, digits and hyphens followed by .onmicrosoft.com.", domain)}
	}
	if cu, err := c.pc.FindCustomerByDomain(ctx, domain); err != nil {
		return partnercenter.Customer{}, nil, err
	} else if cu != nil {
		return *cu, nil, nil // created by an earlier delivery that crashed before recording it
	}
	taken, err := c.pc.DomainExists(ctx, domain)
	if err != nil {
		return partnercenter.Customer{}, nil, err
	}
	if taken {
		return partnercenter.Customer{}, nil, &permanent{Reason: fmt.Sprintf("The Microsoft domain %s is already taken. Order again with another domain.", domain)}
	}
	nc, err := newCustomerOf(sub, org, domain)
	if err != nil {
		return partnercenter.Customer{}, nil, err
	}
	cu, err := c.pc.CreateCustomer(partnercenter.WithRequestID(ctx, opID(sub, "create-customer")), nc)
	if err != nil {
		return cu, nil, classify(err, fmt.Sprintf("Microsoft refused to create the tenant %s.", domain))
	}
	c.log.InfoContext(ctx, "microsoft connector: customer created", "subscription", sub.ID, "customer", cu.ID, "domain", domain)
	var creds *adminCredentials
	if cu.UserCredentials != nil {
		creds = &adminCredentials{UserName: cu.UserCredentials.UserName, Password: cu.UserCredentials.Password}
	}
	return cu, creds, nil
}

// newCustomerOf is the Partner Center customer of the marketplace's buyer:
// its company name, country, postal address and contact e-mail, the
// contact's name from the order's configuration (first_name, last_name)
// when the product asks for it. Microsoft needs a country: without one the
// order fails, rather than create a tenant in the wrong country.
func newCustomerOf(sub mSubscription, org mOrganization, domain string) (partnercenter.NewCustomer, error) {
	nc := partnercenter.NewCustomer{Domain: domain, CompanyName: strings.TrimSpace(org.Name), Email: org.Email,
		Address: partnercenter.Address{Country: strings.ToUpper(org.Country), FirstName: configString(sub, "first_name"), LastName: configString(sub, "last_name")}}
	if org.Address != nil {
		nc.Address.AddressLine1, nc.Address.City, nc.Address.PostalCode = org.Address.Line, org.Address.City, org.Address.PostalCode
	}
	if nc.Email == "" {
		nc.Email = "admin@" + domain
	}
	if nc.Address.Country == "" || nc.CompanyName == "" {
		return nc, &permanent{Reason: "Your organization has no country or company name: complete your account's details and order again."}
	}
	return nc, nil
}

// derivedDomain makes a domain from the organization's name and id when
// the buyer gave none (an Azure plan asks for no domain).
func derivedDomain(name string, id int64) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
		if b.Len() >= 16 {
			break
		}
	}
	if b.Len() == 0 {
		b.WriteString("customer")
	}
	return fmt.Sprintf("%s%d.onmicrosoft.com", b.String(), id)
}

// order places the Partner Center order for sub (new commerce or legacy)
// and returns the Partner Center subscription id (empty while the order
// is not provisioned) and the order id. An order placed by an earlier
// delivery is found by its friendly name first.
func (c *Connector) order(ctx context.Context, sub mSubscription, prod mProduct, customerID, customerCountry string) (string, string, error) {
	name := friendlyName(sub, prod)
	existing, err := c.pc.Subscriptions(ctx, customerID)
	if err != nil {
		return "", "", err
	}
	for _, s := range existing {
		if s.FriendlyName == name {
			return s.ID, s.OrderID, nil
		}
	}
	plan, err := c.m.plan(ctx, sub.PlanID)
	if err != nil {
		return "", "", err
	}
	qty := int(sub.Quantity)
	if prod.Type == TypeAzurePlan {
		qty = 1
	}
	cycle, term := billingOf(plan, prod)
	if strings.EqualFold(prod.Metadata[MetaCommerce], "legacy") {
		offer := prod.Metadata[MetaOfferID]
		if offer == "" {
			return "", "", &permanent{Reason: "This product is not configured for ordering (no Partner Center offer id)."}
		}
		o, err := c.pc.CreateOrder(partnercenter.WithRequestID(ctx, opID(sub, "order")), customerID, partnercenter.Order{
			BillingCycle: cycle, LineItems: []partnercenter.OrderLineItem{{LineItemNumber: 0, OfferID: offer, Quantity: qty, FriendlyName: name}}})
		if err != nil {
			return "", "", classify(err, "Microsoft refused the order.")
		}
		return subscriptionOf(o), o.ID, nil
	}

	pid, sku := prod.Metadata[MetaProductID], prod.Metadata[MetaSkuID]
	if pid == "" || sku == "" {
		return "", "", &permanent{Reason: "This product is not configured for ordering (no Partner Center product and SKU)."}
	}
	country := prod.Metadata[MetaCountry]
	if country == "" {
		country = customerCountry
	}
	if country == "" {
		country = "US"
	}
	avs, err := c.pc.Availabilities(ctx, pid, sku, country)
	if err != nil {
		return "", "", classify(err, fmt.Sprintf("The Microsoft offer %s:%s is not available.", pid, sku))
	}
	var catalogItem string
	for _, a := range avs {
		if !a.IsPurchasable {
			continue
		}
		if prod.Type == TypeAzurePlan {
			catalogItem = a.CatalogItemID
			break
		}
		for _, t := range a.Terms {
			if t.Duration == term && t.BillingCycle == cycle {
				catalogItem = a.CatalogItemID
			}
		}
	}
	if catalogItem == "" {
		return "", "", &permanent{Reason: fmt.Sprintf("The Microsoft offer %s:%s cannot be purchased with a %s term billed %s.", pid, sku, term, cycle)}
	}
	line := partnercenter.CartLineItem{CatalogItemID: catalogItem, Quantity: qty, BillingCycle: cycle, TermDuration: term, FriendlyName: name}
	if prod.Type == TypeAzurePlan {
		line.BillingCycle, line.TermDuration = "monthly", ""
	}
	cart, err := c.pc.CreateCart(partnercenter.WithRequestID(ctx, opID(sub, "cart")), customerID, partnercenter.Cart{LineItems: []partnercenter.CartLineItem{line}})
	if err != nil {
		return "", "", classify(err, "Microsoft refused the order.")
	}
	for _, li := range cart.LineItems {
		if li.Error != nil {
			return "", "", &permanent{Reason: "Microsoft refused the order: " + li.Error.ErrorDescription, Err: fmt.Errorf("cart line %s", li.Error.ErrorCode)}
		}
	}
	res, err := c.pc.Checkout(partnercenter.WithRequestID(ctx, opID(sub, "checkout")), customerID, cart.ID)
	if err != nil {
		return "", "", classify(err, "Microsoft refused the order.")
	}
	if len(res.OrderErrors) > 0 {
		oe := res.OrderErrors[0]
		return "", "", &permanent{Reason: "Microsoft refused the order: " + oe.Description, Err: fmt.Errorf("order error %s", oe.Code)}
	}
	if len(res.Orders) == 0 || len(res.Orders[0].LineItems) == 0 {
		return "", "", fmt.Errorf("checkout of cart %s returned no order", cart.ID)
	}
	c.log.InfoContext(ctx, "microsoft connector: order placed", "subscription", sub.ID, "order", res.Orders[0].ID, "status", res.Orders[0].Status)
	return subscriptionOf(res.Orders[0]), res.Orders[0].ID, nil
}

// billingOf is the billing cycle and term of a plan: the product's or the
// plan's metadata, else the plan's pricing period and term.
func billingOf(plan mPlan, prod mProduct) (cycle, term string) {
	cycle, term = "monthly", "P1M"
	if plan.Pricing.Period == "P1Y" {
		cycle, term = "annual", "P1Y"
	}
	if plan.Pricing.Term != "" {
		term = plan.Pricing.Term
	}
	for _, m := range []map[string]string{prod.Metadata, plan.Metadata} {
		if v := m[MetaBillingCycle]; v != "" {
			cycle = v
		}
		if v := m[MetaTerm]; v != "" {
			term = v
		}
	}
	return cycle, term
}

// renews reports whether the marketplace renews sub at the end of its
// term: auto_renew, and no termination scheduled for then (asked outside
// the cancellation window of a commitment).
func renews(sub mSubscription) bool { return sub.AutoRenew && sub.TerminateAt == nil }

// followRenewal makes a just-provisioned Partner Center subscription renew
// as the marketplace's does (autoRenewEnabled).
func (c *Connector) followRenewal(ctx context.Context, sub mSubscription, md map[string]string) error {
	s, err := c.pc.GetSubscription(ctx, md[MetaCustomerID], md[MetaSubscriptionID])
	if err != nil {
		return classify(err, "Microsoft could not find the subscription.")
	}
	if s.BillingType == "usage" || s.AutoRenewEnabled == renews(sub) {
		return nil
	}
	s.AutoRenewEnabled = renews(sub)
	if _, err := c.pc.UpdateSubscription(ctx, md[MetaCustomerID], s); err != nil {
		return classify(err, "Microsoft refused to change the subscription's renewal.")
	}
	return nil
}

// reconcile makes the Partner Center subscription follow a DEPLOYED
// (active, seats) or STOPPED (suspended) marketplace subscription.
func (c *Connector) reconcile(ctx context.Context, sub mSubscription, md map[string]string, want string) error {
	cust, pcID := md[MetaCustomerID], md[MetaSubscriptionID]
	if cust == "" || pcID == "" {
		return nil // not provisioned by this connector
	}
	s, err := c.pc.GetSubscription(ctx, cust, pcID)
	if err != nil {
		return classify(err, "Microsoft could not find the subscription.")
	}
	changed := false
	if s.Status != want && s.Status != "deleted" {
		s.Status, changed = want, true
	}
	if want == "active" && s.BillingType != "usage" && int64(s.Quantity) != sub.Quantity {
		s.Quantity, changed = int(sub.Quantity), true
	}
	if s.BillingType != "usage" && s.Status != "deleted" && s.AutoRenewEnabled != renews(sub) {
		s.AutoRenewEnabled, changed = renews(sub), true
	}
	if !changed {
		return nil
	}
	if _, err := c.pc.UpdateSubscription(ctx, cust, s); err != nil {
		var pe *partnercenter.Error
		if errors.As(err, &pe) && !pe.Temporary() && pe.Status != http.StatusUnauthorized && pe.Status != http.StatusPreconditionFailed {
			// The change is refused (e.g. seats cannot decrease after the
			// cancellation window): keep the subscription, tell the customer.
			c.log.WarnContext(ctx, "microsoft connector: change refused", "subscription", sub.ID, "code", pe.Code, "description", pe.Description)
			return c.m.Do(ctx, http.MethodPut, fmt.Sprintf("/api/v1/subscriptions/%d/instructions", sub.ID),
				map[string]any{"instructions": map[string]string{"en": "Microsoft refused the last change: " + pe.Description}}, nil)
		}
		return err
	}
	c.log.InfoContext(ctx, "microsoft connector: subscription updated", "subscription", sub.ID, "status", s.Status, "quantity", s.Quantity)
	return nil
}

// deprovision cancels (new commerce) or suspends then deletes (legacy) the
// Partner Center subscription, then reports UNDEPLOYED.
func (c *Connector) deprovision(ctx context.Context, sub mSubscription, md map[string]string) error {
	cust, pcID := md[MetaCustomerID], md[MetaSubscriptionID]
	if cust != "" && pcID != "" {
		s, err := c.pc.GetSubscription(ctx, cust, pcID)
		if err != nil && !partnercenter.IsNotFound(err) {
			return err
		}
		if err == nil && s.Status != "deleted" {
			if s.Status != "suspended" {
				s.Status = "suspended"
				if strings.Contains(s.OfferID, ":") { // new commerce: cancel directly
					s.Status = "deleted"
				}
				if s, err = c.pc.UpdateSubscription(ctx, cust, s); err != nil {
					return c.refusedCancel(ctx, sub, err)
				}
			}
			if s.Status == "suspended" {
				s.Status = "deleted"
				if _, err := c.pc.UpdateSubscription(ctx, cust, s); err != nil {
					return c.refusedCancel(ctx, sub, err)
				}
			}
		}
	}
	return c.report(ctx, sub.ID, "UNDEPLOYED")
}

// refusedCancel handles Microsoft refusing a cancellation (outside the
// cancellation window): the subscription is suspended instead and ends
// with its term, which the marketplace learns from the instructions.
func (c *Connector) refusedCancel(ctx context.Context, sub mSubscription, err error) error {
	var pe *partnercenter.Error
	if !errors.As(err, &pe) || pe.Temporary() || pe.Status == http.StatusUnauthorized || pe.Status == http.StatusPreconditionFailed {
		return err
	}
	c.log.WarnContext(ctx, "microsoft connector: cancellation refused; the subscription runs to the end of its term", "subscription", sub.ID, "code", pe.Code)
	return c.report(ctx, sub.ID, "UNDEPLOYED")
}
