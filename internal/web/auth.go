package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mercato-market/mercato/internal/frontdoor"
	"github.com/mercato-market/mercato/internal/mercato"
)

// limiter counts requests per key in a fixed window (password-reset
// requests and link guesses per client address and per email). Sign-ins
// have their own guard (signinlimit.go). It is per process: several
// replicas each allow the limit.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	hits   map[string]*window
	now    func() time.Time
}

type window struct {
	start time.Time
	count int
}

func newLimiter(n int, d time.Duration) *limiter {
	return &limiter{n: n, window: d, hits: map[string]*window{}, now: time.Now}
}

// allow records an attempt under every key and reports whether all of them
// are within the limit, and if not, how long until they are.
func (l *limiter) allow(keys ...string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.hits) > 100000 { // forget the windows that are over, never all at once
		for k, w := range l.hits {
			if now.Sub(w.start) >= l.window {
				delete(l.hits, k)
			}
		}
	}
	ok, wait := true, time.Duration(0)
	for _, k := range keys {
		w := l.hits[k]
		if w == nil || now.Sub(w.start) >= l.window {
			w = &window{start: now}
			l.hits[k] = w
		}
		w.count++
		if w.count > l.n {
			ok = false
			if d := w.start.Add(l.window).Sub(now); d > wait {
				wait = d
			}
		}
	}
	return ok, wait
}

func clientIP(r *http.Request) string { return frontdoor.ClientAddr(r) }

type signInData struct {
	Email, Next string
	Reset       bool // a reset link was asked for
	Token       string
	Provider    string // the identity provider offered beside passwords (oidc.go), "" for none
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	v := &view{Title: s.say(r, "Sign in"), Request: r, Flash: s.takeFlash(w, r), Data: signInData{Next: safeNext(r.FormValue("next")), Provider: s.oidcName()}}
	s.render(w, r, http.StatusOK, "signin.html", v)
}

// safeNext keeps a post-sign-in redirect inside the panel: only a path of
// this origin is kept. Control characters and backslashes are refused
// outright, since browsers drop tabs and newlines from a Location and read
// a backslash as a slash ("/\t/host" and "/\\host" would become "//host").
func safeNext(next string) string {
	if strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.EscapedPath(), "/") || strings.HasPrefix(u.EscapedPath(), "//") {
		return "/"
	}
	return next
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	email := strings.ToLower(strings.TrimSpace(r.FormValue("email")))
	data := signInData{Email: email, Next: safeNext(r.FormValue("next")), Provider: s.oidcName()}
	v := &view{Title: s.say(r, "Sign in"), Request: r, Data: data}
	addr := clientIP(r)
	if wait := s.signIns.wait(email, addr); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.log.WarnContext(r.Context(), "sign-in delayed after failed attempts", "email", email, "ip", addr, "wait", wait)
		v.Error = s.say(r, "Too many failed sign-ins. Wait %s and try again.", wait.Round(time.Second))
		s.render(w, r, http.StatusTooManyRequests, "signin.html", v)
		return
	}
	p, err := s.services.Accounts.CheckPassword(r.Context(), email, r.FormValue("password"))
	if err != nil {
		if mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
			s.serverError(w, r, err)
			return
		}
		s.signIns.failed(email, addr)
		s.log.InfoContext(r.Context(), "sign-in failed", "email", email, "ip", addr)
		v.Error = s.say(r, "Wrong email or password.")
		s.render(w, r, http.StatusUnauthorized, "signin.html", v)
		return
	}
	secret, err := s.services.Accounts.CreateSession(r.Context(), p.UserID, s.ttl)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.signIns.succeeded(email, addr)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: !s.insecure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.ttl.Seconds())})
	s.log.InfoContext(r.Context(), "signed in", "user_id", p.UserID, "org_id", p.OrgID)
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if err := s.services.Accounts.DeleteSession(r.Context(), c.Value); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: !s.insecure, SameSite: http.SameSiteLaxMode})
	s.setFlash(w, s.say(r, "You are signed out."))
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// resetPage asks for an email, or, with a token, for the new password.
func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) {
	v := &view{Title: s.say(r, "Reset your password"), Request: r, Flash: s.takeFlash(w, r), Data: signInData{Token: r.FormValue("token")}}
	s.render(w, r, http.StatusOK, "reset.html", v)
}

// resetRequest makes a reset link for the email and always answers the
// same, so that the page does not tell which emails have accounts.
func (s *Server) resetRequest(w http.ResponseWriter, r *http.Request) {
	email := strings.ToLower(strings.TrimSpace(r.FormValue("email")))
	v := &view{Title: s.say(r, "Reset your password"), Request: r, Data: signInData{Email: email, Reset: true}}
	if ok, _ := s.limiter.allow("ip:"+clientIP(r), "reset:"+email); !ok {
		v.Error = s.say(r, "Too many attempts. Wait a few minutes and try again.")
		s.render(w, r, http.StatusTooManyRequests, "reset.html", v)
		return
	}
	// The link goes by e-mail, built on --public-url (never on this
	// request's Host); the answer, and the work, are the same whether or
	// not the address has an account.
	if err := s.services.Accounts.RequestPasswordReset(r.Context(), email, s.resetTTL); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "password reset requested", "email", email)
	s.render(w, r, http.StatusOK, "reset.html", v)
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	token := r.FormValue("token")
	v := &view{Title: s.say(r, "Reset your password"), Request: r, Data: signInData{Token: token}}
	if !s.passwordChosen(w, r, v, "reset.html", func() error {
		return s.services.Accounts.ResetPassword(r.Context(), token, r.FormValue("password"))
	}) {
		return
	}
	s.setFlash(w, s.say(r, "Your password is changed. Sign in with it."))
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// passwordChosen runs set, the use of a password link (a reset or an
// invitation) with the password the form chose, limited per client
// address; a refusal (too many attempts, passwords that differ, a link or
// password the service refuses) is page again with the reason, and false.
func (s *Server) passwordChosen(w http.ResponseWriter, r *http.Request, v *view, page string, set func() error) bool {
	if ok, _ := s.limiter.allow("reset-password-ip:" + clientIP(r)); !ok {
		v.Error = s.say(r, "Too many attempts. Wait a few minutes and try again.")
		s.render(w, r, http.StatusTooManyRequests, page, v)
		return false
	}
	if r.FormValue("password") != r.FormValue("confirm") {
		v.Error = s.say(r, "The two passwords differ.")
		s.render(w, r, http.StatusUnprocessableEntity, page, v)
		return false
	}
	err := set()
	if err == nil {
		return true
	}
	if mercato.ErrorCode(err) != mercato.EINVALID {
		s.serverError(w, r, err)
		return false
	}
	v.Error = mercato.ErrorMessage(err)
	for _, f := range mercato.Fields(err) {
		v.Error += ": " + f.Message
	}
	s.render(w, r, http.StatusUnprocessableEntity, page, v)
	return false
}
