package web

import (
	"net/http"

	"github.com/mercato-market/mercato/internal/mail"
)

// The operator's Outbox: every message the marketplace queued (to whom,
// which template, its status, attempts and last error) and each one as
// its recipient sees it. Without --smtp-url every message is kept here
// (status kept), so `serve --demo` shows all the mail it would send.

type outboxData struct {
	Messages []mail.Message
	Status   mail.Status // the filter, empty for all
	Statuses []mail.Status
	Older    int64 // the Before of the next page, 0: none
}

// outboxPage lists the outbox, newest first.
func (s *Server) outboxPage(w http.ResponseWriter, r *http.Request, v *view) {
	f := mail.Filter{Status: mail.Status(r.FormValue("status")), Before: formInt(r, "before"), Limit: 100}
	ms, err := s.services.Outbox.Outbox(r.Context(), v.P, f)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d := &outboxData{Messages: ms, Status: f.Status, Statuses: mail.Statuses}
	if len(ms) == f.Size() {
		d.Older = ms[len(ms)-1].ID
	}
	v.Title, v.Active, v.Data = s.say(r, "Outbox"), "/admin/outbox", d
	s.render(w, r, http.StatusOK, "outbox.html", v)
}

// outboxMessagePage shows one message: its envelope and outcome, its HTML
// part in a sandboxed frame (no scripts, no forms, an origin of its own)
// and its text part.
func (s *Server) outboxMessagePage(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	m, err := s.services.Outbox.OutboxMessage(r.Context(), v.P, id)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	// The frame's document inherits this page's policy: e-mail is styled
	// inline, so this page allows inline styles (and nothing else more).
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	v.Title, v.Active, v.Data = s.say(r, "Message %d", m.ID), "/admin/outbox", m
	s.render(w, r, http.StatusOK, "outbox_message.html", v)
}
