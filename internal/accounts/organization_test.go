package accounts_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestCreateOrganization: who creates which kind where, the defaults, and
// the validation of every field; a refusal writes nothing.
func TestCreateOrganization(t *testing.T) {
	noSuchOrg := int64(1 << 40)
	cases := []struct {
		name  string
		by    func(w *storetest.World) mercato.Principal
		org   func(w *storetest.World) mercato.Organization
		code  string
		field string
		// parent is the parent the new organization has (nil: none).
		parent func(w *storetest.World) *int64
	}{
		// Who creates what.
		{name: "platform creates a vendor", by: platform, org: kind(mercato.KindVendor)},
		{name: "platform creates a customer directly under it", by: platform, org: kind(mercato.KindCustomer)},
		{name: "platform creates a reseller under a distributor", by: platform,
			org:    under(mercato.KindReseller, func(w *storetest.World) int64 { return w.D1.Org.ID }),
			parent: func(w *storetest.World) *int64 { return &w.D1.Org.ID }},
		{name: "distributor creates its reseller", by: as("d1"), org: kind(mercato.KindReseller),
			parent: func(w *storetest.World) *int64 { return &w.D1.Org.ID }},
		{name: "reseller creates its customer", by: as("r1"), org: kind(mercato.KindCustomer),
			parent: func(w *storetest.World) *int64 { return &w.R1.Org.ID }},
		{name: "customer creates a customer", by: as("c1"), org: kind(mercato.KindCustomer), code: mercato.EFORBIDDEN},
		{name: "vendor creates a vendor", by: as("vendorA"), org: kind(mercato.KindVendor), code: mercato.EFORBIDDEN},
		{name: "reseller creates a vendor", by: as("r1"), org: kind(mercato.KindVendor), code: mercato.EFORBIDDEN},
		{name: "reseller creates a reseller", by: as("r1"), org: kind(mercato.KindReseller), code: mercato.EFORBIDDEN},
		{name: "distributor creates a customer", by: as("d1"), org: kind(mercato.KindCustomer), code: mercato.EFORBIDDEN},
		{name: "reseller creates under another reseller", by: as("r1"),
			org:  under(mercato.KindCustomer, func(w *storetest.World) int64 { return w.R2.Org.ID }),
			code: mercato.EINVALID, field: "parent_id: must be your own organization"},
		{name: "distributor creates under another distributor", by: as("d1"),
			org:  under(mercato.KindReseller, func(w *storetest.World) int64 { return w.D2.Org.ID }),
			code: mercato.EINVALID, field: "parent_id: must be your own organization"},
		{name: "reseller creates its customer on account", by: as("r1"),
			org: func(w *storetest.World) mercato.Organization {
				return mercato.Organization{Kind: mercato.KindCustomer, Name: "Free ride", OnAccount: true}
			},
			code: mercato.EFORBIDDEN},
		{name: "distributor sets its reseller's fee", by: as("d1"),
			org: func(w *storetest.World) mercato.Organization {
				return mercato.Organization{Kind: mercato.KindReseller, Name: "No fee", FeePercent: "0"}
			},
			code: mercato.EFORBIDDEN},
		{name: "distributor creates a customer under its reseller", by: as("d1"),
			org:  under(mercato.KindCustomer, func(w *storetest.World) int64 { return w.R1.Org.ID }),
			code: mercato.EFORBIDDEN},
		{name: "second platform", by: platform, org: kind(mercato.KindPlatform), code: mercato.EINVALID, field: "kind: there is only one platform"},
		// Parents.
		{name: "customer under a distributor", by: platform,
			org:  under(mercato.KindCustomer, func(w *storetest.World) int64 { return w.D1.Org.ID }),
			code: mercato.EINVALID, field: "parent_id: a customer cannot belong to a distributor"},
		{name: "reseller under a reseller", by: platform,
			org:  under(mercato.KindReseller, func(w *storetest.World) int64 { return w.R1.Org.ID }),
			code: mercato.EINVALID, field: "parent_id"},
		{name: "vendor under a distributor", by: platform,
			org:  under(mercato.KindVendor, func(w *storetest.World) int64 { return w.D1.Org.ID }),
			code: mercato.EINVALID, field: "parent_id"},
		{name: "unknown parent", by: platform,
			org:  under(mercato.KindCustomer, func(*storetest.World) int64 { return noSuchOrg }),
			code: mercato.EINVALID, field: "parent_id: no such organization"},
		// Validation.
		{name: "unknown kind", by: platform, org: kind("wholesaler"), code: mercato.EINVALID, field: "kind"},
		{name: "no name", by: platform, org: with(func(o *mercato.Organization) { o.Name = "" }), code: mercato.EINVALID, field: "name"},
		{name: "long name", by: platform, org: with(func(o *mercato.Organization) { o.Name = strings.Repeat("n", 201) }), code: mercato.EINVALID, field: "name"},
		{name: "bidirectional override in the name", by: platform, org: with(func(o *mercato.Organization) { o.Name = "Acme\u202egnp.exe" }), code: mercato.EINVALID, field: "name"},
		{name: "unknown currency", by: platform, org: with(func(o *mercato.Organization) { o.Currency = "XXX" }), code: mercato.EINVALID, field: "currency"},
		{name: "lower-case country", by: platform, org: with(func(o *mercato.Organization) { o.Country = "it" }), code: mercato.EINVALID, field: "country"},
		{name: "e-mail with a display name", by: platform, org: with(func(o *mercato.Organization) { o.Email = "Acme <a@acme.example>" }), code: mercato.EINVALID, field: "email"},
		{name: "long VAT id", by: platform, org: with(func(o *mercato.Organization) { o.VATID = strings.Repeat("1", 33) }), code: mercato.EINVALID, field: "vat_id"},
		{name: "EU VAT id with a wrong check digit", by: platform, org: with(func(o *mercato.Organization) { o.Country, o.VATID = "DE", "DE136695977" }), code: mercato.EINVALID, field: "vat_id"},
		{name: "EU VAT id of the wrong format", by: platform, org: with(func(o *mercato.Organization) { o.Country, o.VATID = "IT", "IT1234" }), code: mercato.EINVALID, field: "vat_id"},
		{name: "EU prefix outside the EU country", by: platform, org: with(func(o *mercato.Organization) { o.Country, o.VATID = "US", "FR00123456789" }), code: mercato.EINVALID, field: "vat_id"},
		{name: "long postal code", by: platform, org: with(func(o *mercato.Organization) { o.Address.PostalCode = strings.Repeat("1", 21) }), code: mercato.EINVALID, field: "address.postal_code"},
		{name: "fee over 100", by: platform, org: with(func(o *mercato.Organization) { o.FeePercent = "120" }), code: mercato.EINVALID, field: "fee_percent"},
		{name: "negative fee", by: platform, org: with(func(o *mercato.Organization) { o.FeePercent = "-1" }), code: mercato.EINVALID, field: "fee_percent"},
		{name: "fee not a number", by: platform, org: with(func(o *mercato.Organization) { o.FeePercent = "ten" }), code: mercato.EINVALID, field: "fee_percent"},
		{name: "invalid values before permission", by: as("c1"), org: with(func(o *mercato.Organization) { o.Country = "XX" }), code: mercato.EINVALID, field: "country"},
		{name: "every field set", by: platform, org: with(func(o *mercato.Organization) {
			o.Email, o.Country, o.Currency, o.VATID, o.FeePercent = "billing@acme.example", "DE", "CHF", "DE 136 695 976", "12.5"
			o.Address = mercato.Address{Line: "Łódzka 1", City: "Berlin", PostalCode: "10115"}
		})},
		{name: "a VAT id outside the EU is free text", by: platform, org: with(func(o *mercato.Organization) { o.Country, o.VATID = "US", "12-3456789" })},
	}
	// The cases share one world: each creates an organization of its own.
	each(t, func(t *testing.T, st *store.Store, w *storetest.World, svc *accounts.Service) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := c.org(w)
				if c.code != "" {
					storetest.Unchanged(t, st, func() {
						_, err := svc.CreateOrganization(ctx, c.by(w), in)
						mustRefuse(t, err, c.code, c.field)
					})
					return
				}
				o, err := svc.CreateOrganization(ctx, c.by(w), in)
				if err != nil {
					t.Fatal(err)
				}
				var want *int64
				if c.parent != nil {
					want = c.parent(w)
				}
				if (o.ParentID == nil) != (want == nil) || (o.ParentID != nil && *o.ParentID != *want) {
					t.Fatalf("parent = %v, want %v", o.ParentID, want)
				}
				wantCurrency, wantFee := "EUR", "" // no fee of its own: the operator's rules
				if in.Currency != "" {
					wantCurrency, wantFee = in.Currency, in.FeePercent
				}
				read, err := st.Organization(ctx, w.Platform.Principal, o.ID)
				if err != nil || read.Currency != wantCurrency || read.FeePercent != wantFee || read.Name != in.Name || read.Address != in.Address || read.VATID != in.VATID {
					t.Fatalf("stored %+v (%v), want currency %s and fee %s", read, err, wantCurrency, wantFee)
				}
				if got := audited(t, st, "organization", o.ID); strings.Join(got, ",") != "organization.create" {
					t.Fatalf("audit %v", got)
				}
			})
		}
	})
}

func platform(w *storetest.World) mercato.Principal { return w.Platform.Principal }

func as(tenant string) func(w *storetest.World) mercato.Principal {
	return func(w *storetest.World) mercato.Principal { return w.Tenants()[tenant].Principal }
}

func kind(k mercato.OrgKind) func(*storetest.World) mercato.Organization {
	return func(*storetest.World) mercato.Organization {
		return mercato.Organization{Kind: k, Name: "New " + string(k)}
	}
}

func under(k mercato.OrgKind, parent func(w *storetest.World) int64) func(*storetest.World) mercato.Organization {
	return func(w *storetest.World) mercato.Organization {
		id := parent(w)
		return mercato.Organization{Kind: k, Name: "New " + string(k), ParentID: &id}
	}
}

// with is a vendor the platform creates, changed by fn.
func with(fn func(o *mercato.Organization)) func(*storetest.World) mercato.Organization {
	return func(*storetest.World) mercato.Organization {
		o := mercato.Organization{Kind: mercato.KindVendor, Name: "Acme"}
		fn(&o)
		return o
	}
}

// TestUpdateOrganization: whoever sees an organization changes it, only
// the platform its terms, every value checked; a refusal changes nothing.
func TestUpdateOrganization(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store, w *storetest.World, svc *accounts.Service) {
		for _, c := range []struct {
			name   string
			by     mercato.Principal
			target int64
			update accounts.OrganizationUpdate
			code   string
			field  string
		}{
			{"another channel's customer", w.R2.Principal, w.C1.Org.ID, accounts.OrganizationUpdate{Name: new("stolen")}, mercato.ENOTFOUND, ""},
			{"a vendor renames a customer", w.VendorA.Principal, w.C1.Org.ID, accounts.OrganizationUpdate{Name: new("stolen")}, mercato.ENOTFOUND, ""},
			{"the reseller sets buying on account", w.R1.Principal, w.C1.Org.ID, accounts.OrganizationUpdate{OnAccount: new(false)}, mercato.EFORBIDDEN, ""},
			{"the distributor sets a fee", w.D1.Principal, w.C1.Org.ID, accounts.OrganizationUpdate{FeePercent: new("5")}, mercato.EFORBIDDEN, ""},
			{"a vendor sets its own fee", w.VendorA.Principal, w.VendorA.Org.ID, accounts.OrganizationUpdate{FeePercent: new("0")}, mercato.EFORBIDDEN, ""},
			{"empty name", w.C1.Principal, w.C1.Org.ID, accounts.OrganizationUpdate{Name: new("")}, mercato.EINVALID, "name"},
			{"unknown currency", w.C1.Principal, w.C1.Org.ID, accounts.OrganizationUpdate{Currency: new("ABC")}, mercato.EINVALID, "currency"},
			{"unassigned country", w.C1.Principal, w.C1.Org.ID, accounts.OrganizationUpdate{Country: new("XX")}, mercato.EINVALID, "country"},
			{"fee over 100", w.Platform.Principal, w.VendorA.Org.ID, accounts.OrganizationUpdate{FeePercent: new("100.5")}, mercato.EINVALID, "fee_percent"},
			{"the reseller renames its customer", w.R1.Principal, w.C1.Org.ID, accounts.OrganizationUpdate{Name: new("C1 renamed")}, "", ""},
			{"the distributor renames a customer below", w.D1.Principal, w.C1.Org.ID, accounts.OrganizationUpdate{Country: new("FR")}, "", ""},
			{"a customer changes itself", w.C1.Principal, w.C1.Org.ID, accounts.OrganizationUpdate{Email: new("it@c1.example"), Currency: new("USD")}, "", ""},
			{"the platform sets the terms", w.Platform.Principal, w.VendorA.Org.ID, accounts.OrganizationUpdate{FeePercent: new("15"), OnAccount: new(true)}, "", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				before, err := st.Organization(ctx, w.Platform.Principal, c.target)
				if err != nil {
					t.Fatal(err)
				}
				if c.code != "" {
					storetest.Unchanged(t, st, func() {
						_, err := svc.UpdateOrganization(ctx, c.by, c.target, c.update)
						mustRefuse(t, err, c.code, c.field)
					})
					if after, _ := st.Organization(ctx, w.Platform.Principal, c.target); orgText(after) != orgText(before) {
						t.Fatalf("changed: %+v -> %+v", before, after)
					}
					return
				}
				o, err := svc.UpdateOrganization(ctx, c.by, c.target, c.update)
				if err != nil {
					t.Fatal(err)
				}
				want := before
				accounts.ApplyOrganizationUpdate(c.update, &want)
				want.UpdatedAt = o.UpdatedAt
				if read, _ := st.Organization(ctx, w.Platform.Principal, c.target); orgText(read) != orgText(want) || orgText(o) != orgText(want) {
					t.Fatalf("after the update: returned %+v, stored %+v, want %+v", o, read, want)
				}
			})
		}
	})
}

// orgText writes every field of o, its parent's id rather than the
// pointer, to compare organizations.
func orgText(o mercato.Organization) string {
	parent := "none"
	if o.ParentID != nil {
		parent = fmt.Sprint(*o.ParentID)
	}
	o.ParentID = nil
	return fmt.Sprintf("%+v parent %s", o, parent)
}
