package web

import (
	"net/http"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/messaging"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/webhooks"
)

// adminPage is the operator's overview: the business as charts (each
// with its table), the subscriptions by status, the health of webhook
// delivery (which is also how the connectors hear of orders: failing and
// disabled endpoints first, with their last error and next try), and the
// organizations and users.
func (s *Server) adminPage(w http.ResponseWriter, r *http.Request, v *view) {
	if err := only(v.P, mercato.KindPlatform); err != nil {
		s.fail(w, r, v, err)
		return
	}
	ctx := r.Context()
	orgs, _, err := s.services.Accounts.ListOrganizations(ctx, v.P, mercato.OrganizationFilter{}, mercato.Page{Limit: 200})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	users, _, err := s.services.Accounts.ListUsers(ctx, v.P, 0, mercato.Page{Limit: 200})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	counts := map[subscription.Status]int{}
	for after := int64(0); ; {
		subs, next, err := s.services.Lifecycle.ListSubscriptions(ctx, v.P, subscription.Filter{}, mercato.Page{After: after, Limit: 200})
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		for _, sub := range subs {
			counts[sub.Status]++
		}
		if next == 0 || after > 1<<40 {
			break
		}
		after = next
	}
	pending, delivered, err := s.services.Webhooks.DeliveryCounts(ctx, v.P)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	health, err := s.services.Webhooks.Health(ctx, v.P)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	report, err := s.services.Overview.Report(ctx, v.P)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	charts, err := s.overviewCharts(r, report, v.Org.Currency)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	notes, err := s.services.Messaging.ListNotifications(ctx, v.P)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	type statusCount struct {
		Status subscription.Status
		N      int
	}
	var byStatus []statusCount
	for _, st := range subscription.Statuses {
		if counts[st] > 0 {
			byStatus = append(byStatus, statusCount{st, counts[st]})
		}
	}
	trouble := 0 // endpoints failing or disabled: the notifications say so
	for _, h := range health {
		if h.Trouble() {
			trouble++
		}
	}
	orgName := map[int64]string{}
	for _, o := range orgs {
		orgName[o.ID] = o.Name
	}
	v.Title, v.Active = s.say(r, "Platform overview"), "/admin"
	v.Data = struct {
		Orgs               []mercato.Organization
		Users              []mercato.User
		OrgName            map[int64]string
		ByStatus           []statusCount
		Pending, Delivered int64
		Health             []webhooks.Health
		Notifications      []messaging.Notification
		Charts             []chart
		Trouble            int
	}{orgs, users, orgName, byStatus, pending, delivered, health, notes, charts, trouble}
	s.render(w, r, http.StatusOK, "admin.html", v)
}
