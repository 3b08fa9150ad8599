package billingrun

import (
	"context"
	"fmt"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
)

// mayOperate: the operator's settings, tax rates and dunning settings are
// the platform's.
func mayOperate(p mercato.Principal, write bool) error {
	if !p.IsPlatform() || (write && !p.CanWrite()) {
		return mercato.Errorf(mercato.EFORBIDDEN, "only the platform's operator manages its seller identity, tax rates and dunning settings")
	}
	return nil
}

// OperatorSettings returns the operator's identity as the seller of the
// platform's invoices and its payment terms (the platform only).
func (s *Service) OperatorSettings(ctx context.Context, p mercato.Principal) (billing.Seller, error) {
	if err := mayOperate(p, false); err != nil {
		return billing.Seller{}, err
	}
	return s.reads.OperatorSettings(ctx)
}

// SaveOperatorSettings replaces the operator's settings (the platform's
// writers only). Invoices issued before keep the seller they were issued
// with; the ones issued from now on carry the new one.
func (s *Service) SaveOperatorSettings(ctx context.Context, p mercato.Principal, st billing.Seller) (billing.Seller, error) {
	if err := mayOperate(p, true); err != nil {
		return st, err
	}
	if err := st.Validate(); err != nil {
		return st, err
	}
	if err := s.reads.SaveOperatorSettings(ctx, &st); err != nil {
		return st, fmt.Errorf("operator settings: %w", err)
	}
	return st, nil
}

// DunningSettings returns the operator's dunning settings: the payment
// retry days and the suspension, as saved, else serve's configuration
// (the platform only).
func (s *Service) DunningSettings(ctx context.Context, p mercato.Principal) (billing.DunningSettings, error) {
	if err := mayOperate(p, false); err != nil {
		return billing.DunningSettings{}, err
	}
	return s.dunningSettings(ctx)
}

// dunningSettings are the saved settings, else serve's configuration.
func (s *Service) dunningSettings(ctx context.Context) (billing.DunningSettings, error) {
	d, found, err := s.reads.DunningSettings(ctx)
	if err != nil || found {
		return d, err
	}
	return billing.DunningSettings{RetryDays: s.retries, SuspendDays: s.dunning.SuspendDays}, nil
}

// SaveDunningSettings replaces the operator's dunning settings (the
// platform's writers only), validated before anything is written. From
// then on they win over serve's flags: payment retries are scheduled by
// them (internal/payments) and billing runs suspend by them.
func (s *Service) SaveDunningSettings(ctx context.Context, p mercato.Principal, d billing.DunningSettings) (billing.DunningSettings, error) {
	if err := mayOperate(p, true); err != nil {
		return d, err
	}
	if err := d.Validate(); err != nil {
		return d, err
	}
	if err := s.reads.SaveDunningSettings(ctx, &d); err != nil {
		return d, fmt.Errorf("dunning settings: %w", err)
	}
	return d, nil
}

// TaxRates lists the standard VAT rates with their validity dates (the
// platform only).
func (s *Service) TaxRates(ctx context.Context, p mercato.Principal) ([]billing.TaxRate, error) {
	if err := mayOperate(p, false); err != nil {
		return nil, err
	}
	return s.reads.TaxRates(ctx)
}

// AddTaxRate adds a country's rate valid from a day on (the platform's
// writers only): the billing run applies it to invoices dated from then.
// A country has one rate per day.
func (s *Service) AddTaxRate(ctx context.Context, p mercato.Principal, r billing.TaxRate) (billing.TaxRate, error) {
	if err := mayOperate(p, true); err != nil {
		return r, err
	}
	r.ValidFrom = r.ValidFrom.UTC()
	if err := r.Validate(); err != nil {
		return r, err
	}
	rates, err := s.reads.TaxRates(ctx)
	if err != nil {
		return r, err
	}
	for _, x := range rates {
		if x.Country == r.Country && x.ValidFrom.Equal(r.ValidFrom) {
			return r, mercato.Errorf(mercato.ECONFLICT, "%s already has a rate from %s", r.Country, r.ValidFrom.Format("2006-01-02"))
		}
	}
	if err := s.reads.InsertTaxRate(ctx, &r); err != nil {
		return r, err
	}
	return r, nil
}
