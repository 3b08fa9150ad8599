package partnercenter

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// meter is one kind of Azure usage the emulator generates.
type meter struct {
	name, category, subcategory, unit, partNumber, resource string
	perDay                                                  float64 // typical daily quantity
}

var meters = []meter{
	{"D2s v3", "Virtual Machines", "Dsv3 Series", "1 Hour", "AAA-12345", "Microsoft.Compute/virtualMachines/vm-web-01", 24},
	{"LRS Data Stored", "Storage", "General Block Blob", "1 GB/Month", "AAA-23456", "Microsoft.Storage/storageAccounts/stweb01", 3.2},
	{"Standard Data Transfer Out", "Bandwidth", "", "1 GB", "AAA-34567", "Microsoft.Network/publicIPAddresses/pip-web-01", 1.7},
}

// UsageQuantity is the deterministic quantity of meter m (0..2) for an
// Azure subscription on a UTC day: the same inputs give the same number.
func UsageQuantity(azureSubscriptionID string, day time.Time, m int) float64 {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%d", azureSubscriptionID, day.UTC().Format("2006-01-02"), m)))
	f := float64(binary.BigEndian.Uint64(sum[:8])>>11) / float64(1<<53) // [0,1)
	return math.Round(meters[m].perDay*(0.5+f)*10000) / 10000
}

// utilizations answers Azure utilization records of an Azure plan
// subscription (or of one of its entitlements) for [start_time,
// end_time), daily or hourly, paged by size with a continuation token; 204
// with Retry-After when none of the range is ready yet.
func (e *Emulator) utilizations(w http.ResponseWriter, r *http.Request) {
	c := e.customer(w, r)
	if c == nil {
		return
	}
	id := r.PathValue("sub")
	e.mu.Lock()
	var ents []AzureEntitlement
	var created time.Time
	if s := e.subs[id]; s != nil && s.customerID == c.ID {
		ents, created = e.entitlements[s.ID], s.CreationDate
	} else {
		for sid, list := range e.entitlements {
			for _, en := range list {
				if en.SubscriptionID == id && e.subs[sid].customerID == c.ID {
					ents, created = []AzureEntitlement{en}, e.subs[sid].CreationDate
				}
			}
		}
	}
	e.mu.Unlock()
	if len(ents) == 0 {
		writeError(w, http.StatusNotFound, "20003", fmt.Sprintf("Azure subscription %s was not found.", id))
		return
	}
	q := r.URL.Query()
	start, err1 := time.Parse(time.RFC3339, q.Get("start_time"))
	end, err2 := time.Parse(time.RFC3339, q.Get("end_time"))
	if err1 != nil || err2 != nil || !start.Before(end) || end.Sub(start) > 90*24*time.Hour {
		writeError(w, http.StatusBadRequest, "400", "start_time and end_time must be RFC 3339 times, start before end, at most 90 days apart.")
		return
	}
	hourly := q.Get("granularity") == "hourly"
	details := q.Get("show_details") != "false"
	size := 1000
	if v, err := strconv.Atoi(q.Get("size")); err == nil && v > 0 && v < 1000 {
		size = v
	}
	step := 24 * time.Hour
	if hourly {
		step = time.Hour
	}
	from := start.UTC().Truncate(step)
	if c := created.UTC().Truncate(24 * time.Hour); from.Before(c) {
		from = c
	}
	readyUntil := e.now().UTC().Add(-e.cfg.UsageReadyAfter)
	var all []AzureUtilizationRecord
	for t := from; t.Before(end); t = t.Add(step) {
		if t.Add(step).After(readyUntil) {
			break
		}
		for _, en := range ents {
			for mi, m := range meters {
				qty := UsageQuantity(en.SubscriptionID, t.Truncate(24*time.Hour), mi)
				if hourly {
					qty = math.Round(qty/24*10000) / 10000
				}
				rec := AzureUtilizationRecord{
					UsageStartTime: t, UsageEndTime: t.Add(step).Add(-time.Second),
					Resource: AzureResource{ID: fmt.Sprintf("%08x-0000-0000-0000-%012d", mi+1, mi+1), Name: m.name, Category: m.category, Subcategory: m.subcategory, Region: "West Europe"},
					Quantity: qty, Unit: m.unit, InfoFields: map[string]string{}, Attributes: Attributes{ObjectType: "AzureUtilizationRecord"},
				}
				if details {
					rec.InstanceData = &InstanceData{ResourceURI: "/subscriptions/" + en.SubscriptionID + "/resourceGroups/rg-web/providers/" + m.resource,
						Location: "westeurope", PartNumber: m.partNumber, OrderNumber: en.ID}
				}
				all = append(all, rec)
			}
		}
	}
	if len(all) == 0 {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	offset := 0
	if tok := r.Header.Get("MS-ContinuationToken"); tok != "" && q.Get("seekOperation") == "Next" {
		if v, err := strconv.Atoi(tok); err == nil && v >= 0 && v <= len(all) {
			offset = v
		}
	}
	page := all[offset:min(offset+size, len(all))]
	res := Collection[AzureUtilizationRecord]{TotalCount: len(page), Items: page, Attributes: Attributes{ObjectType: "Collection"}, Links: map[string]Link{
		"self": {URI: r.URL.RequestURI(), Method: "GET", Headers: []LinkHeader{}},
	}}
	if next := offset + size; next < len(all) {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("seekOperation", "Next")
		res.Links["next"] = Link{URI: fmt.Sprintf("/customers/%s/subscriptions/%s/utilizations/azure?%s", c.ID, id, nq.Encode()),
			Method: "GET", Headers: []LinkHeader{{Key: "MS-ContinuationToken", Value: strconv.Itoa(next)}}}
	}
	writeJSON(w, http.StatusOK, res)
}
