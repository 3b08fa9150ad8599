// Package billing is the pure part of Mercato's billing: what a
// subscription owes for a billing period (recurring fees in advance, the
// setup fee once, prorated upgrades, usage in arrears), how those charges
// become an invoice with tax and totals, how every charge is split between
// vendor, platform, distributor and reseller as balanced ledger entries,
// renewal and dunning decisions, and the invoice's PDF and CSV documents.
//
// It does no I/O beyond writing documents to an io.Writer: the store reads
// subscriptions and usage, calls these functions, and writes the results in
// one transaction.
//
// # Money
//
// Amounts are decimals. Each invoice line's amount is rounded once, half
// even, to the currency's minor unit (by the pricing package, or here for
// prorated changes); a line's tax is rounded once, the same way; subtotal,
// tax and total are sums of the lines' rounded amounts and never rounded
// again, so a total always equals the sum of its lines.
//
// # Billing periods
//
// A run bills one calendar month ([Month], UTC). A subscription's own
// periods start at its anchor (its start date, or the end of its trial) and
// repeat by its plan's period ([pricing.Period.AddN], so a period started on
// the 31st stays on month ends). The run for a month charges every
// subscription period that starts in the month (in advance, with the setup
// fee on the first), every upgrade made in the month (prorated by the hours
// left in the subscription period it was made in, at the customer's channel
// price) and usage of every subscription period that ends in the month (in
// arrears).
package billing
