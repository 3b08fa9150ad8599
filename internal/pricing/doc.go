// Package pricing computes what a plan costs. It is pure: no I/O, no logging,
// no clock; callers pass every input, including times, so results are
// reproducible and the package is safe for concurrent use.
//
// # Money
//
// Money is a [decimal.Decimal], never a float, and always travels with an
// ISO 4217 currency code whose minor unit (see [MinorUnits]) fixes how many
// decimals an amount may carry once it is charged.
//
// # Rounding
//
// Rounding is half-even ("banker's", [decimal.Decimal.RoundBank]) to the
// currency's minor unit, and happens only at these points:
//
//   - Unit amounts (unit_amount, tier amounts, amount, setup_fee) are kept
//     exactly as given; they may carry up to 6 decimals (0.0125 per API call).
//   - Each [Line]'s Amount is rounded once, when the line is priced. A
//     graduated tier line is rounded as a whole (units × unit_amount +
//     flat_amount), not unit by unit.
//   - A percentage channel markup rescales each line's already rounded
//     amount and rounds the result again, line by line; the line's unit
//     amount is scaled too and kept to 6 decimals (display only).
//   - Totals are sums of rounded lines and are never rounded again, so a
//     total always equals the sum of the lines shown to the customer.
//   - Revenue shares are differences of such totals, except the vendor's
//     share, which is the vendor-level total × (1 − fee/100) rounded; the
//     platform gets the remainder, so shares always add up to the total.
//   - [Prorate] computes amount × hoursLeft / totalHours exactly and rounds
//     the quotient once.
//
// [Metric.Price] is the one exception: a metric does not know its plan's
// currency, so it returns exact amounts; [Pricing.Usage] and [Pricing.Quote]
// round them.
//
// # Models
//
// A [Pricing] (and each usage [Metric]) uses one [Model]:
//
//   - flat: a fixed amount per period, whatever the quantity.
//   - per_unit: quantity × unit_amount.
//   - volume: the tier the whole quantity falls in prices every unit, plus
//     that tier's flat_amount.
//   - graduated: each tier prices the units inside it, plus the flat_amount
//     of every tier reached; one line per tier touched.
//   - package: ceil(quantity / package_size) blocks × amount.
//
// Tier i covers the quantities above tier i−1's up_to and up to and
// including its own up_to; the last tier has no upper bound (up_to null).
//
// Recurring charges are billed in advance for one billing period ([Period]);
// metrics are billed in arrears on the usage reported for a period.
//
// # Validation
//
// Validation failures are [mercato.Invalid] errors carrying one
// [mercato.FieldError] per problem, with paths relative to the pricing
// object ("tiers[1].up_to", "metrics[0].unit_amount"); every problem is
// reported, not just the first. Functions that compute a price validate
// their inputs first, so an invalid plan yields an error, never a panic or
// a wrong price.
package pricing
