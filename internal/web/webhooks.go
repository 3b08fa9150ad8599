package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
)

// Webhook endpoints.

type webhooksData struct {
	Endpoints []syndication.Endpoint
	Products  []catalog.Product
	Secret    string // a new secret, shown once
	SecretFor int64
	Product   map[int64]string
}

func (s *Server) webhooksData(r *http.Request, v *view) (*webhooksData, error) {
	ctx := r.Context()
	eps, _, err := s.services.Webhooks.ListEndpoints(ctx, v.P, webhooks.EndpointFilter{}, mercato.Page{Limit: 200})
	if err != nil {
		return nil, err
	}
	f := catalog.ProductFilter{}
	if !v.P.IsPlatform() {
		f.VendorID = v.P.OrgID
	}
	prods, _, err := s.services.Catalog.ListProducts(ctx, v.P, f, mercato.Page{Limit: 200})
	if err != nil {
		return nil, err
	}
	d := &webhooksData{Endpoints: eps, Products: prods, Product: map[int64]string{}}
	for _, p := range prods {
		d.Product[p.ID] = p.Name
	}
	return d, nil
}

func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request, v *view) {
	if err := only(v.P, mercato.KindVendor, mercato.KindPlatform); err != nil {
		s.fail(w, r, v, err)
		return
	}
	d, err := s.webhooksData(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	v.Title, v.Active, v.Data = s.say(r, "Webhooks"), "/webhooks", d
	s.render(w, r, http.StatusOK, "webhooks.html", v)
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	url := strings.TrimSpace(r.PostFormValue("url"))
	var events []string
	events = append(events, strings.FieldsFunc(r.PostFormValue("events"), func(r rune) bool { return r == ',' || r == ' ' })...)
	e := syndication.Endpoint{URL: url, Events: events}
	if pid := formInt(r, "product_id"); pid != 0 {
		e.ProductID = &pid
	}
	err := s.policy.Check(ctx, url)
	if err == nil {
		e, err = s.services.Webhooks.CreateEndpoint(ctx, v.P, e)
	}
	if err != nil {
		s.after(w, r, v, err, "/webhooks", "")
		return
	}
	s.showSecret(w, r, v, e.ID, e.Secret, s.say(r, "Endpoint added. Copy its signing secret now: it is shown only once."))
}

func (s *Server) showSecret(w http.ResponseWriter, r *http.Request, v *view, id int64, secret, msg string) {
	d, err := s.webhooksData(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d.Secret, d.SecretFor = secret, id
	v.Title, v.Active, v.Flash, v.Data = s.say(r, "Webhooks"), "/webhooks", msg, d
	s.render(w, r, http.StatusOK, "webhooks.html", v)
}

func (s *Server) rotateWebhook(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	e, err := s.services.Webhooks.RotateSecret(r.Context(), v.P, id)
	if err != nil {
		s.after(w, r, v, err, "/webhooks", "")
		return
	}
	s.showSecret(w, r, v, id, e.Secret, s.say(r, "New signing secret made; the old one keeps signing for 24 hours. Copy it now: it is shown only once."))
}

func (s *Server) toggleWebhook(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	on := r.PostFormValue("enabled") == "true"
	_, err = s.services.Webhooks.UpdateEndpoint(r.Context(), v.P, id, syndication.EndpointChange{Enabled: &on})
	msg := s.say(r, "Endpoint disabled: deliveries wait until it is enabled again.")
	if on {
		msg = s.say(r, "Endpoint enabled: waiting deliveries are sent now.")
	}
	s.after(w, r, v, err, "/webhooks", msg)
}

func (s *Server) webhookPage(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	e, err := s.services.Webhooks.Endpoint(r.Context(), v.P, id)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	attempts, next, err := s.services.Webhooks.ListAttempts(r.Context(), v.P, webhooks.AttemptFilter{EndpointID: id}, mercato.Page{After: formInt(r, "after"), Limit: 50})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	v.Title, v.Active = s.say(r, "Webhook %s", e.URL), "/webhooks"
	v.Data = struct {
		Endpoint syndication.Endpoint
		Attempts []syndication.Attempt
		Next     int64
	}{e, attempts, next}
	s.render(w, r, http.StatusOK, "webhook.html", v)
}

func (s *Server) replayWebhook(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	rp := syndication.Replay{EventID: formInt(r, "event_id")}
	if h := formInt(r, "hours"); h > 0 && rp.EventID == 0 {
		rp.To = s.services.Clock()
		rp.From = rp.To.Add(-time.Duration(h) * time.Hour)
	}
	n, err := s.services.Webhooks.Replay(r.Context(), v.P, id, rp)
	s.after(w, r, v, err, fmt.Sprintf("/webhooks/%d", id), s.say(r, "%d deliveries will be sent again.", n))
}
