// Package billing is the pure part of Mercato's billing: price versions
// and the charges priced at them (a period in advance with the setup fee
// of the first, usage in arrears, a change prorated over the periods
// already charged), how charges become an invoice with tax and totals, how
// every charge is split between vendor, platform, distributor and reseller
// as balanced ledger entries, renewal and dunning decisions, and the
// invoice's PDF and CSV documents.
//
// It does no I/O beyond writing documents to an io.Writer: the services
// (internal/charging, internal/billingrun) read and write through the
// store and call these functions.
//
// # Money
//
// Amounts are decimals. Each invoice line's amount is rounded once, half
// even, to the currency's minor unit (by the pricing package, or here for
// prorated changes); a line's tax is rounded once, the same way; subtotal,
// tax and total are sums of the lines' rounded amounts and never rounded
// again, so a total always equals the sum of its lines.
//
// # Periods and versions
//
// A subscription's periods start at its anchor (its start date, or the end
// of its trial) and repeat by its plan's period ([WindowAt], with
// [pricing.Period.AddN], so a period started on the 31st stays on month
// ends); its terms likewise ([TermEnd]). A [Version] is what it was sold
// at: the plan's pricing, the quantity and the channel of that moment.
// Every [Charge] is priced once at a version and records it; a billing run
// closes one calendar month ([Month], UTC) by invoicing the charges due in
// or before it.
package billing
