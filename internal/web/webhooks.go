package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
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
	rows := make([]attemptRow, 0, len(attempts))
	for _, a := range attempts {
		rows = append(rows, attemptRow{Attempt: a, Payload: payload(a.Event)})
	}
	v.Title, v.Active = s.say(r, "Webhook %s", e.URL), "/webhooks"
	v.Data = struct {
		Endpoint syndication.Endpoint
		Attempts []attemptRow
		Next     int64
		CanTest  bool
	}{e, rows, next, s.test != nil && v.P.CanWrite()}
	s.render(w, r, http.StatusOK, "webhook.html", v)
}

// attemptRow is one line of the delivery log: the attempt, with the
// notification it sent as the receiver got it.
type attemptRow struct {
	syndication.Attempt
	Payload string // "" when the event is no longer kept
}

// payload is the notification an event became on the wire, indented to
// be read.
func payload(ev subscription.Event) string {
	if ev.Type == "" {
		return ""
	}
	b, err := syndication.Body(ev)
	if err != nil {
		return ""
	}
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return string(b)
	}
	return out.String()
}

// testWebhook sends a test event to an endpoint now, as the API's
// POST /api/v1/webhook-endpoints/{id}/test does (the dispatcher's
// SendTest: nothing is recorded), and tells its answer.
func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	e, err := s.services.Webhooks.Endpoint(r.Context(), v.P, id)
	if err == nil && s.test == nil {
		err = mercato.Errorf(mercato.ECONFLICT, "%s", s.say(r, "Webhook delivery is not running in this process."))
	}
	to := fmt.Sprintf("/webhooks/%d", id)
	if err != nil {
		s.after(w, r, v, err, to, "")
		return
	}
	a := s.test(r.Context(), e)
	s.log.InfoContext(r.Context(), "test event sent from the control panel", "endpoint_id", id, "status", a.StatusCode, "org_id", v.P.OrgID)
	switch {
	case a.Error != "":
		s.back(w, r, to, warningMark+" "+s.say(r, "The test event was not delivered: %s", a.Error))
	case a.StatusCode >= 200 && a.StatusCode < 300:
		s.back(w, r, to, s.say(r, "Test event sent: the endpoint answered %d in %s.", a.StatusCode, a.Latency.Round(time.Millisecond)))
	default:
		s.back(w, r, to, warningMark+" "+s.say(r, "The test event was refused: the endpoint answered %d.", a.StatusCode))
	}
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
