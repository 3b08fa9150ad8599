package cloudesire

import (
	"net/http"

	"github.com/mercato-market/mercato/internal/frontdoor"
	"github.com/mercato-market/mercato/internal/mercato"
)

// loginTokenName names the API tokens /api/login issues, so that the user
// recognises them among its tokens in the control panel (and revokes them).
const loginTokenName = "cloudesire login"

// login answers Cloudesire's POST /api/login (GET too): HTTP Basic of the
// user's email and either its control-panel password or one of its API
// tokens, answered with a token to send as CMW-Auth-Token, as a JSON string
// (the Java client's LoginApi reads a String). A token sent as the password
// (or as CMW-Auth-Token) is answered as it is: the front door resolved it.
// A password is checked by the accounts service, and answered with a new
// API token named loginTokenName. Mercato's tokens do not expire, so
// expire=true (the Java client's default) and expire=false both issue one
// that lasts until it is revoked.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		writeError(w, http.StatusMethodNotAllowed, "methodNotAllowed", "method "+r.Method+" is not allowed here")
		return
	}
	if _, ok := frontdoor.PrincipalFrom(r.Context()); ok {
		c, err := frontdoor.Credential(r)
		if err == nil && c.Secret != "" {
			writeJSON(w, http.StatusOK, c.Secret)
			return
		}
	}
	email, password, ok := r.BasicAuth()
	if !ok || email == "" || password == "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="mercato"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "login needs HTTP Basic: the user's email and its password or an API token")
		return
	}
	p, err := h.Accounts.CheckPassword(r.Context(), email, password)
	if err != nil {
		if mercato.ErrorCode(err) == mercato.EUNAUTHORIZED {
			w.Header().Set("WWW-Authenticate", `Basic realm="mercato"`)
		}
		h.fail(w, r, err)
		return
	}
	_, secret, err := h.Accounts.CreateToken(r.Context(), p, 0, loginTokenName)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, secret)
}
