package billing

// InvoiceFilter narrows a list of invoices.
type InvoiceFilter struct {
	CustomerID int64
	Period     string
	Status     Status
	Kind       Kind
}
