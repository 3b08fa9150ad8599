package retention_test

import (
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/retention"
)

func TestPolicyValidate(t *testing.T) {
	if err := retention.Default().Validate(); err != nil {
		t.Fatalf("the defaults: %v", err)
	}
	for _, c := range []struct {
		name  string
		p     retention.Policy
		field string
	}{
		{"no attempts kept", retention.Policy{Attempts: 0, Deliveries: 90, Events: 3650}, "attempts_days"},
		{"deliveries for ever", retention.Policy{Attempts: 30, Deliveries: retention.MaxDays + 1, Events: retention.MaxDays}, "deliveries_days"},
		{"negative events", retention.Policy{Attempts: 30, Deliveries: 90, Events: -1}, "events_days"},
		{"events before their deliveries", retention.Policy{Attempts: 30, Deliveries: 90, Events: 89}, "events_days"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fields := mercato.Fields(c.p.Validate())
			if len(fields) != 1 || fields[0].Path != c.field {
				t.Errorf("%+v: field errors %+v, want one on %s", c.p, fields, c.field)
			}
		})
	}
}
