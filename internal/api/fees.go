package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// FeeRule is one of the operator's rules for its fee on vendors' sales.
type FeeRule struct {
	VendorID    int64     `json:"vendor_id" minimum:"0" doc:"the vendor it applies to; 0: every vendor"`
	VendorName  string    `json:"vendor_name,omitempty" readOnly:"true"`
	ProductType string    `json:"product_type" maxLength:"40" example:"azure_plan" doc:"the product type it applies to (saas, microsoft_csp, azure_plan, azure_marketplace_vm, arm_template, service); empty: every type"`
	Percent     string    `json:"percent" pattern:"^[0-9]{1,3}(\\.[0-9]{1,4})?$" example:"5" doc:"the fee, in percent of what the vendor's price comes to, from 0 to 100"`
	UpdatedAt   time.Time `json:"updated_at" readOnly:"true"`
}

func feeRuleOf(r catalog.FeeRule) FeeRule {
	return FeeRule{VendorID: r.VendorID, VendorName: r.VendorName, ProductType: string(r.ProductType), Percent: r.Percent.String(), UpdatedAt: r.UpdatedAt}
}

// FeeRuleInput is the body of PUT /api/v1/operator/fee-rules.
type FeeRuleInput struct {
	VendorID    int64  `json:"vendor_id,omitempty" minimum:"0" doc:"the vendor it applies to; 0 or absent: every vendor"`
	ProductType string `json:"product_type,omitempty" maxLength:"40" example:"azure_plan" doc:"the product type it applies to (saas, microsoft_csp, azure_plan, azure_marketplace_vm, arm_template, service); empty or absent: every type"`
	Percent     string `json:"percent" pattern:"^[0-9]{1,3}(\\.[0-9]{1,4})?$" example:"5" doc:"the fee, in percent of what the vendor's price comes to, from 0 to 100"`
}

// DunningSettings are the operator's payment retry schedule and
// suspension.
type DunningSettings struct {
	PaymentRetryDays []int      `json:"payment_retry_days" maxItems:"10" doc:"days after an invoice's collection first failed on which it is tried again: ascending, each 1 to 60, at most 10"`
	SuspendDays      int        `json:"suspend_days" minimum:"0" maximum:"365" doc:"days after the due date at which the subscriptions of an invoice still unpaid are suspended; 0: never"`
	RenewalReminder  *int       `json:"renewal_reminder_days,omitempty" minimum:"0" maximum:"90" doc:"days before a subscription renews by itself that its customer is told by e-mail; 0: never; absent: serve's --mail-renewal-days (7)"`
	TrialReminder    *int       `json:"trial_reminder_days,omitempty" minimum:"0" maximum:"90" doc:"days before a trial ends that its customer is told by e-mail; 0: never; absent: serve's --mail-trial-days (3)"`
	UpdatedAt        *time.Time `json:"updated_at,omitempty" readOnly:"true" doc:"absent until first saved: the values are then serve's --payment-retry-days and --dunning-suspend-days"`
}

func dunningSettingsOf(d billing.DunningSettings) DunningSettings {
	out := DunningSettings{PaymentRetryDays: []int(d.RetryDays), SuspendDays: d.SuspendDays, RenewalReminder: d.RenewalReminderDays, TrialReminder: d.TrialReminderDays}
	if out.PaymentRetryDays == nil {
		out.PaymentRetryDays = []int{}
	}
	if !d.UpdatedAt.IsZero() {
		t := d.UpdatedAt
		out.UpdatedAt = &t
	}
	return out
}

func (s *Server) registerFees() {
	tags := []string{"Operator"}
	forbidden := []int{http.StatusForbidden}
	register(s, huma.Operation{OperationID: "list-fee-rules", Description: "Lists the operator's fee rules: the default, then by product type, by vendor (a vendor's own rule is its organization's fee_percent) and by vendor and product type. The most specific rule that matches a sale decides its fee: vendor and type, then vendor, then type, then the default. The platform only. Changes nothing.",
		Method: http.MethodGet, Path: "/api/v1/operator/fee-rules", Summary: "List the operator's fee rules", Tags: tags, Errors: forbidden},
		func(ctx context.Context, _ *struct{}) (*Output[[]FeeRule], error) {
			rules, err := s.services.Channel.FeeRules(ctx, principal(ctx))
			if err != nil {
				return nil, err
			}
			list := make([]FeeRule, 0, len(rules))
			for _, r := range rules {
				list = append(list, feeRuleOf(r))
			}
			return out(list), nil
		})
	register(s, huma.Operation{OperationID: "put-fee-rule", Description: "Sets the operator's fee for a scope (a vendor or every vendor, a product type or every type), replacing the scope's rule. Charges keep the fee of the moment they were sold: the rule applies to orders, changes and renewals from now on, never to a charge already written. Bad fields (a percentage beyond 0-100, an unknown type, an organization that is not a vendor) answer 422 naming them and nothing is saved. Written to the audit log. The platform's writers only.",
		Method: http.MethodPut, Path: "/api/v1/operator/fee-rules", Summary: "Set a fee rule", Tags: tags, Errors: forbidden},
		func(ctx context.Context, in *struct{ Body FeeRuleInput }) (*Output[FeeRule], error) {
			b := in.Body
			pct, err := decimal.NewFromString(b.Percent)
			if err != nil {
				return nil, mercato.Invalid("invalid fee rule", mercato.FieldError{Path: "percent", Message: "must be a decimal", Value: b.Percent})
			}
			r, err := s.services.Channel.SetFeeRule(ctx, principal(ctx), catalog.FeeRule{VendorID: b.VendorID, ProductType: catalog.ProductType(b.ProductType), Percent: pct})
			if err != nil {
				return nil, err
			}
			return out(feeRuleOf(r)), nil
		})
	register(s, huma.Operation{OperationID: "delete-fee-rule", Description: "Removes the fee rule of a scope, so that the next less specific rule applies to what is sold from now on. The default rule is changed, never removed (422); a scope without a rule is 404. Written to the audit log. The platform's writers only.",
		Method: http.MethodDelete, Path: "/api/v1/operator/fee-rules", Summary: "Remove a fee rule", Tags: tags, Errors: []int{http.StatusForbidden, http.StatusNotFound}, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			VendorID    int64  `query:"vendor_id" minimum:"0" doc:"0 or absent: every vendor"`
			ProductType string `query:"product_type" maxLength:"40" doc:"empty or absent: every type"`
		}) (*NoContent, error) {
			return nil, s.services.Channel.DeleteFeeRule(ctx, principal(ctx), in.VendorID, catalog.ProductType(in.ProductType))
		})
	register(s, huma.Operation{OperationID: "get-dunning-settings", Description: "Returns the operator's dunning settings: the days after a failed collection on which it is tried again, and the days late at which an unpaid invoice's subscriptions are suspended; serve's configuration until saved. The platform only. Changes nothing.",
		Method: http.MethodGet, Path: "/api/v1/operator/dunning", Summary: "Get the dunning settings", Tags: tags, Errors: forbidden},
		func(ctx context.Context, _ *struct{}) (*Output[DunningSettings], error) {
			d, err := s.services.Billing.DunningSettings(ctx, principal(ctx))
			if err != nil {
				return nil, err
			}
			return out(dunningSettingsOf(d)), nil
		})
	register(s, huma.Operation{OperationID: "put-dunning-settings", Description: "Replaces the operator's dunning settings, which from then on win over serve's flags: payment retries are scheduled by them and billing runs suspend by them. Bad fields answer 422 naming them and nothing is saved. The platform's writers only.",
		Method: http.MethodPut, Path: "/api/v1/operator/dunning", Summary: "Set the dunning settings", Tags: tags, Errors: forbidden},
		func(ctx context.Context, in *struct{ Body DunningSettings }) (*Output[DunningSettings], error) {
			d, err := s.services.Billing.SaveDunningSettings(ctx, principal(ctx), billing.DunningSettings{RetryDays: billing.PaymentRetries(in.Body.PaymentRetryDays), SuspendDays: in.Body.SuspendDays,
				RenewalReminderDays: in.Body.RenewalReminder, TrialReminderDays: in.Body.TrialReminder})
			if err != nil {
				return nil, err
			}
			return out(dunningSettingsOf(d)), nil
		})
}
