package cloudesire

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
)

// A list answers CSV instead of JSON to Accept: text/csv (the Java
// client's SubscriptionApi.getCsv): a header row, then a row per item of
// the page (the CMW-* paging headers apply), texts made safe for
// spreadsheets (billing.TextCell).

// wantsCSV reports whether the request asks for CSV.
func wantsCSV(r *http.Request) bool {
	for _, a := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(a, ",") {
			mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(mt), "text/csv") {
				return true
			}
		}
	}
	return false
}

// csvBody is an answer written as CSV rather than JSON.
type csvBody [][]string

func (c csvBody) write(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.WriteHeader(status)
	cw := csv.NewWriter(w)
	_ = cw.WriteAll(c)
}

// subscriptionsCSV is a page of subscriptions as CSV rows.
func subscriptionsCSV(items []SubscriptionItem) csvBody {
	rows := csvBody{{"id", "name", "deploymentStatus", "type", "product", "productVersion", "company", "startDate", "endDate", "paid", "autoRenew", "createdAt"}}
	url := func(r *Ref) string {
		if r == nil {
			return ""
		}
		return r.URL
	}
	for _, s := range items {
		rows = append(rows, []string{strconv.FormatInt(s.ID, 10), billing.TextCell(s.Name), s.DeploymentStatus, s.Type, url(s.Product),
			url(s.ProductVersion), url(s.Company), time.Time(s.StartDate).Format(time.RFC3339), time.Time(s.EndDate).Format(time.RFC3339),
			strconv.FormatBool(s.Paid), strconv.FormatBool(s.AutoRenew), time.Time(s.CreatedAt).Format(time.RFC3339)})
	}
	return rows
}
