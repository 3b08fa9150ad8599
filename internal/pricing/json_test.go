package pricing

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// specExampleJSON is the plan of the design brief; it must parse and validate.
const specExampleJSON = `{"currency":"EUR","period":"P1M","model":"graduated","unit":"seat","tiers":[{"up_to":10,"unit_amount":"5.00","flat_amount":"0"},{"up_to":null,"unit_amount":"4.00"}],"setup_fee":"10.00","trial_days":14,"metrics":[{"name":"storage","unit":"GB","model":"per_unit","unit_amount":"0.10"}]}`

func specExample(t testing.TB) Pricing {
	t.Helper()
	var p Pricing
	if err := json.Unmarshal([]byte(specExampleJSON), &p); err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPricingJSON(t *testing.T) {
	t.Parallel()
	p := specExample(t)
	if p.Model != ModelGraduated || len(p.Tiers) != 2 || p.Tiers[1].UpTo != nil || *p.Tiers[0].UpTo != 10 {
		t.Fatalf("parsed %+v", p)
	}
	equalAmount(t, "setup fee", *p.SetupFee, d("10"))
	equalAmount(t, "metric unit amount", *p.Metrics[0].UnitAmount, d("0.1"))

	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{`"up_to":null`, `"unit_amount":"5"`, `"setup_fee":"10"`, `"currency":"EUR"`} {
		if !strings.Contains(s, want) {
			t.Errorf("marshalled %s lacks %s", s, want)
		}
	}
	for _, absent := range []string{`"amount"`, `"package_size"`, `"term"`, `"min_quantity"`, `"aggregation"`} {
		if strings.Contains(s, absent) {
			t.Errorf("marshalled %s has empty optional %s", s, absent)
		}
	}

	// Round trip: unmarshalling the output and marshalling again is stable,
	// and the plan prices the same.
	var back Pricing
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if !bytes.Equal(out, again) {
		t.Errorf("round trip changed\n%s\n%s", out, again)
	}
	q1, err1 := p.Quote(QuoteRequest{Quantity: 25, IncludeSetup: true})
	q2, err2 := back.Quote(QuoteRequest{Quantity: 25, IncludeSetup: true})
	if err1 != nil || err2 != nil || !q1.Total.Equal(q2.Total) {
		t.Errorf("quotes differ: %v %v %v %v", q1.Total, q2.Total, err1, err2)
	}
}

func TestAmountsAcceptJSONNumbers(t *testing.T) {
	t.Parallel()
	var p Pricing
	if err := json.Unmarshal([]byte(`{"currency":"USD","model":"per_unit","unit_amount":0.0125}`), &p); err != nil {
		t.Fatal(err)
	}
	equalAmount(t, "unit amount", *p.UnitAmount, d("0.0125"))
}

func TestQuoteJSON(t *testing.T) {
	t.Parallel()
	p := Pricing{Currency: "EUR", Model: ModelFlat, Amount: dp("100")}
	q, err := p.Quote(QuoteRequest{VendorID: 7, PlatformFeePercent: d("20")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"currency":"EUR","period":"P1M","trial_days":0,"lines":[{"description":"Recurring fee","kind":"recurring","quantity":"1","unit_amount":"100","amount":"100"}],"total":"100","shares":[{"role":"vendor","organization_id":7,"amount":"80"},{"role":"platform","amount":"20"}]}`
	if string(out) != want {
		t.Errorf("quote JSON\n got %s\nwant %s", out, want)
	}
}
