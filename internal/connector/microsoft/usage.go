package microsoft

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/partnercenter"
)

// Prices are the partner's cost per unit of Azure meters, by part number
// (or meter name): the utilization API reports quantities, not prices.
// DefaultPrices covers the meters the emulator reports.
type Prices map[string]decimal.Decimal

// DefaultPrices are list prices (EUR) of the emulator's meters.
func DefaultPrices() Prices {
	return Prices{
		"AAA-12345": decimal.RequireFromString("0.0960"), // D2s v3, per hour
		"AAA-23456": decimal.RequireFromString("0.0007"), // LRS data stored, per GB-day
		"AAA-34567": decimal.RequireFromString("0.0870"), // data transfer out, per GB
	}
}

// UsageReport counts what an import did.
type UsageReport struct {
	Subscriptions int // Azure plans looked at
	Records       int // usage records pushed (repeats included)
	NotReady      int // plans whose usage Partner Center had not ready
}

// ImportUsage pushes the Azure usage of every deployed Azure plan, for the
// whole days from the plan's start (at most 31 days back) to before now,
// into the marketplace as pay-per-use usage of the plan's first metric
// (the plan's markup applies there). Each record has an idempotency id of
// the Azure subscription, day and meter, so a repeated import counts
// nothing twice.
func (c *Connector) ImportUsage(ctx context.Context, prices Prices, now time.Time) (UsageReport, error) {
	var rep UsageReport
	subs, err := c.m.listSubscriptions(ctx, "deployment_status=DEPLOYED")
	if err != nil {
		return rep, err
	}
	products := map[int64]mProduct{}
	var errs []error
	for _, s := range subs {
		p, ok := products[s.ProductID]
		if !ok {
			if p, err = c.m.product(ctx, s.ProductID); err != nil {
				errs = append(errs, err)
				continue
			}
			products[s.ProductID] = p
		}
		if p.Type != TypeAzurePlan {
			continue
		}
		rep.Subscriptions++
		n, err := c.importOne(ctx, s, prices, now)
		rep.Records += n
		if errors.Is(err, partnercenter.ErrNotReady) {
			rep.NotReady++
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("subscription %d: %w", s.ID, err))
		}
	}
	return rep, errors.Join(errs...)
}

func (c *Connector) importOne(ctx context.Context, s mSubscription, prices Prices, now time.Time) (int, error) {
	md, err := c.m.metadata(ctx, s.ID)
	if err != nil {
		return 0, err
	}
	cust, azSub := md[MetaCustomerID], md[MetaAzureSubID]
	if cust == "" || azSub == "" {
		return 0, nil
	}
	plan, err := c.m.plan(ctx, s.PlanID)
	if err != nil {
		return 0, err
	}
	if len(plan.Pricing.Metrics) == 0 {
		return 0, fmt.Errorf("plan %d has no usage metric", plan.ID)
	}
	metric := plan.Pricing.Metrics[0].Name
	end := now.UTC().Truncate(24 * time.Hour)
	start := s.StartDate.UTC().Truncate(24 * time.Hour)
	if through, err := time.Parse("2006-01-02", md[MetaUsageThrough]); err == nil {
		start = through.AddDate(0, 0, 1)
	} else if pcSub, err := c.pc.GetSubscription(ctx, cust, md[MetaSubscriptionID]); err == nil && !pcSub.CreationDate.IsZero() &&
		pcSub.CreationDate.Before(start) {
		start = pcSub.CreationDate.UTC().Truncate(24 * time.Hour) // the plan's own start, if earlier
	}
	if floor := end.AddDate(0, 0, -31); start.Before(floor) {
		start = floor
	}
	if !start.Before(end) {
		return 0, nil
	}
	recs, err := c.pc.AzureUtilization(ctx, cust, azSub, start, end)
	if err != nil {
		return 0, err
	}
	n := 0
	last := time.Time{}
	for _, r := range recs {
		part := r.Resource.Name
		if r.InstanceData != nil && r.InstanceData.PartNumber != "" {
			part = r.InstanceData.PartNumber
		}
		price, ok := prices[part]
		if !ok {
			price, ok = prices[r.Resource.Name]
		}
		if !ok {
			c.log.WarnContext(ctx, "microsoft connector: no price for an Azure meter; skipped", "subscription", s.ID, "meter", r.Resource.Name, "part", part)
			continue
		}
		cost := decimal.NewFromFloat(r.Quantity).Mul(price).Round(6)
		day := r.UsageStartTime.UTC().Truncate(24 * time.Hour)
		body := map[string]any{
			"metric":         metric,
			"quantity":       cost.StringFixed(6),
			"period":         map[string]any{"start": day, "end": day.Add(24*time.Hour - time.Second)},
			"idempotency_id": fmt.Sprintf("azure:%s:%s:%s", azSub, day.Format("2006-01-02"), r.Resource.ID),
		}
		if err := c.m.Do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/subscriptions/%d/usage", s.ID), body, nil); err != nil {
			return n, err
		}
		n++
		if day.After(last) {
			last = day
		}
	}
	if !last.IsZero() {
		md[MetaUsageThrough] = last.Format("2006-01-02")
		if err := c.m.setMetadata(ctx, s.ID, md); err != nil {
			return n, err
		}
	}
	return n, nil
}

// RunUsageImport imports usage at once and then every interval until ctx
// ends.
func (c *Connector) RunUsageImport(ctx context.Context, interval time.Duration, prices Prices) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		rep, err := c.ImportUsage(ctx, prices, time.Now())
		if err != nil && ctx.Err() == nil {
			c.log.WarnContext(ctx, "microsoft connector: usage import", "err", err)
		} else if rep.Records > 0 {
			c.log.InfoContext(ctx, "microsoft connector: usage imported", "plans", rep.Subscriptions, "records", rep.Records)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
