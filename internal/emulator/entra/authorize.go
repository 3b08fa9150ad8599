package entra

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The authorization code flow of the v2.0 endpoint, for signing people in
// (OpenID Connect): GET /{tenant}/oauth2/v2.0/authorize shows the tenant's
// users where Entra asks for a password (the emulator asks for none: a
// person picks a user), POST of that form redirects to the app's
// redirect_uri with a code, and the token endpoint redeems the code
// (grant_type=authorization_code, once, within codeTTL, with the PKCE
// code_verifier when a code_challenge was sent) for an id_token, an access
// token for Microsoft Graph and, with offline_access, a refresh token.

// codeTTL is how long an authorization code may be redeemed, as Entra's
// (about 10 minutes).
const codeTTL = 10 * time.Minute

// authCode is what an authorization code stands for.
type authCode struct {
	tenant, clientID, redirectURI, upn string
	scopes                             []string
	nonce                              string
	challenge, method                  string
	expires                            time.Time
}

var authorizePage = template.Must(template.New("authorize").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to your account</title></head>
<body><main>
<h1>Sign in to {{.App}}</h1>
<p>Entra ID emulator, tenant {{.Tenant}}: pick the account to sign in with.</p>
<form method="post">
{{range $k, $v := .Params}}{{range $v}}<input type="hidden" name="{{$k}}" value="{{.}}">
{{end}}{{end}}<ul>
{{range .Users}}<li><button type="submit" name="login_hint" value="{{.UPN}}">{{if .Name}}{{.Name}} ({{.UPN}}){{else}}{{.UPN}}{{end}}</button></li>
{{end}}</ul>
</form>
</main></body></html>
`))

// authorizeFail is an error Entra shows on its own page, not to the app:
// an unknown client or a redirect_uri the app did not register.
func (e *Emulator) authorizeFail(w http.ResponseWriter, ae *aadError) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(ae.Status)
	_, _ = fmt.Fprintf(w, "Sorry, but we're having trouble signing you in.\n\nAADSTS%d: %s\n", ae.AADSTS, ae.Message)
}

// redirectURIMatches compares as Entra does: exactly, except that the port
// of a loopback http URI is ignored.
func redirectURIMatches(registered []string, uri string) bool {
	got, err := url.Parse(uri)
	if err != nil {
		return false
	}
	for _, reg := range registered {
		if reg == uri {
			return true
		}
		want, err := url.Parse(reg)
		if err != nil || want.Scheme != "http" || got.Scheme != "http" {
			continue
		}
		loopback := func(h string) bool { return h == "localhost" || h == "127.0.0.1" || h == "::1" }
		if loopback(want.Hostname()) && want.Hostname() == got.Hostname() && want.Path == got.Path && want.RawQuery == got.RawQuery {
			return true
		}
	}
	return false
}

// authorize serves the authorization endpoint: GET shows the users to pick
// from, POST (the picked user in login_hint) redirects back with a code.
func (e *Emulator) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		e.authorizeFail(w, aadInvalidRequest(900144, "The request could not be read."))
		return
	}
	q := r.Form
	name := r.PathValue("tenant")
	t := e.tenantOf(name)
	if t == nil {
		e.authorizeFail(w, &aadError{Status: 400, Code: "invalid_request", AADSTS: 90002, Message: fmt.Sprintf("Tenant '%s' not found.", name)})
		return
	}
	clientID := q.Get("client_id")
	app := e.appOf(t, clientID)
	if app == nil {
		e.authorizeFail(w, &aadError{Status: 400, Code: "unauthorized_client", AADSTS: 700016, Message: fmt.Sprintf(
			"Application with identifier '%s' was not found in the directory '%s'.", clientID, t.ID)})
		return
	}
	redirect := q.Get("redirect_uri")
	if !redirectURIMatches(app.RedirectURIs, redirect) {
		e.authorizeFail(w, &aadError{Status: 400, Code: "invalid_request", AADSTS: 50011, Message: fmt.Sprintf(
			"The redirect URI '%s' specified in the request does not match the redirect URIs configured for the application '%s'.", redirect, app.ClientID)})
		return
	}
	// From here on errors go back to the app, on its redirect_uri.
	back := func(v url.Values) {
		if s := q.Get("state"); s != "" {
			v.Set("state", s)
		}
		u, _ := url.Parse(redirect)
		qs := u.Query()
		for k, vs := range v {
			qs[k] = vs
		}
		u.RawQuery = qs.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	backErr := func(code string, aadsts int, msg string) {
		back(url.Values{"error": {code}, "error_description": {fmt.Sprintf("AADSTS%d: %s", aadsts, msg)}})
	}
	scopes := strings.Fields(q.Get("scope"))
	switch {
	case q.Get("response_type") != "code":
		backErr("unsupported_response_type", 700054, "response_type '"+q.Get("response_type")+"' is not enabled for the application (the emulator issues codes only).")
		return
	case !slices.Contains(scopes, "openid"):
		backErr("invalid_request", 900144, "The request body must contain the following parameter: 'scope' with 'openid'.")
		return
	case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256" && q.Get("code_challenge_method") != "plain" && q.Get("code_challenge_method") != "":
		backErr("invalid_request", 501491, "Invalid size of Code_Challenge parameter or unsupported code_challenge_method.")
		return
	case q.Get("response_mode") != "" && q.Get("response_mode") != "query":
		backErr("invalid_request", 900144, "The emulator answers with response_mode=query only.")
		return
	}
	if r.Method == http.MethodGet {
		params := url.Values{}
		for _, k := range []string{"client_id", "response_type", "redirect_uri", "scope", "state", "nonce", "code_challenge", "code_challenge_method", "response_mode"} {
			if v, ok := q[k]; ok {
				params[k] = v
			}
		}
		appName := app.Name
		if appName == "" {
			appName = app.ClientID
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = authorizePage.Execute(w, map[string]any{"App": appName, "Tenant": t.ID, "Params": params, "Users": t.Users})
		return
	}
	user := userOf(t, q.Get("login_hint"))
	if user == nil {
		backErr("invalid_request", 50034, "The user account "+q.Get("login_hint")+" does not exist in the "+t.ID+" directory.")
		return
	}
	method := q.Get("code_challenge_method")
	if method == "" && q.Get("code_challenge") != "" {
		method = "plain"
	}
	code := "1.AQ" + randomID() + randomID()
	e.mu.Lock()
	e.codes[code] = authCode{tenant: t.ID, clientID: app.ClientID, redirectURI: redirect, upn: user.UPN, scopes: scopes,
		nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), method: method, expires: e.now().Add(codeTTL)}
	e.mu.Unlock()
	e.log.DebugContext(r.Context(), "entra: authorization code issued", "tenant", t.ID, "client_id", app.ClientID)
	back(url.Values{"code": {code}, "session_state": {stableGUID("session", user.ObjectID, app.ClientID)}})
}

// redeemCode answers grant_type=authorization_code for an authenticated
// app of tenant t: the code is used up whatever the outcome.
func (e *Emulator) redeemCode(w http.ResponseWriter, r *http.Request, t *Tenant, app *App) {
	code := r.PostForm.Get("code")
	if code == "" {
		e.fail(w, r, aadInvalidRequest(900144, "The request body must contain the following parameter: 'code'."))
		return
	}
	e.mu.Lock()
	c, ok := e.codes[code]
	delete(e.codes, code)
	e.mu.Unlock()
	switch {
	case !ok || c.tenant != t.ID || !strings.EqualFold(c.clientID, app.ClientID):
		e.fail(w, r, &aadError{Status: 400, Code: "invalid_grant", AADSTS: 70000, Message: "The provided value for the 'code' parameter is not valid, or was already redeemed."})
		return
	case !e.now().Before(c.expires):
		e.fail(w, r, &aadError{Status: 400, Code: "invalid_grant", AADSTS: 70008, Message: "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."})
		return
	case r.PostForm.Get("redirect_uri") != c.redirectURI:
		e.fail(w, r, &aadError{Status: 400, Code: "invalid_grant", AADSTS: 50011, Message: "The redirect URI '" + r.PostForm.Get("redirect_uri") + "' specified in the request does not match the one the authorization code was issued for."})
		return
	}
	if c.challenge != "" {
		verifier := r.PostForm.Get("code_verifier")
		want := verifier
		if c.method == "S256" {
			sum := sha256.Sum256([]byte(verifier))
			want = base64.RawURLEncoding.EncodeToString(sum[:])
		}
		if verifier == "" || subtle.ConstantTimeCompare([]byte(want), []byte(c.challenge)) != 1 {
			e.fail(w, r, &aadError{Status: 400, Code: "invalid_grant", AADSTS: 501481, Message: "The Code_Verifier does not match the code_challenge supplied in the authorization request."})
			return
		}
	}
	user := userOf(t, c.upn)
	if user == nil {
		e.fail(w, r, &aadError{Status: 400, Code: "invalid_grant", AADSTS: 50034, Message: "The user account " + c.upn + " does not exist in the " + t.ID + " directory."})
		return
	}
	now := e.now()
	e.mu.RLock()
	ttl := e.ttl
	e.mu.RUnlock()
	exp := now.Add(ttl)
	idToken, err := e.sign(e.idClaims(r, t, app, user, c, now, exp))
	if err != nil {
		e.log.ErrorContext(r.Context(), "entra: sign id_token", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	graph, _ := e.resourceOf("https://graph.microsoft.com")
	access, err := e.sign(e.claims(r, t, app, user, graph, graph.URI, now, exp))
	if err != nil {
		e.log.ErrorContext(r.Context(), "entra: sign access token", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	e.issued.Add(1)
	secs := int64(ttl / time.Second)
	body := map[string]any{"token_type": "Bearer", "scope": strings.Join(append(oidcScopes(c.scopes), "https://graph.microsoft.com/User.Read"), " "),
		"expires_in": secs, "ext_expires_in": secs, "access_token": access, "id_token": idToken}
	if slices.Contains(c.scopes, "offline_access") {
		e.mu.Lock()
		body["refresh_token"] = e.newRefreshLocked(refreshGrant{tenant: t.ID, clientID: app.ClientID, upn: user.UPN, resource: graph.URI})
		e.mu.Unlock()
	}
	e.log.DebugContext(r.Context(), "entra: code redeemed", "tenant", t.ID, "client_id", app.ClientID)
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, body)
}

// oidcScopes are the OpenID Connect scopes among scopes.
func oidcScopes(scopes []string) []string {
	var out []string
	for _, s := range scopes {
		switch s {
		case "openid", "profile", "email", "offline_access":
			out = append(out, s)
		}
	}
	return out
}

// idClaims are a v2.0 id_token's claims: aud is the app, sub the
// pairwise subject (the same as the user's access tokens for this app),
// oid and tid the user and its tenant; name and preferred_username with the
// profile scope, email with the email scope when the user has an address,
// and xms_edov (the optional claim "email domain owner verified") true when
// the address's domain is one of the tenant's.
func (e *Emulator) idClaims(r *http.Request, t *Tenant, app *App, user *User, c authCode, now, exp time.Time) jwt.MapClaims {
	claims := jwt.MapClaims{
		"ver": "2.0", "iss": e.base(r) + "/" + t.ID + "/v2.0", "aud": app.ClientID,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": exp.Unix(),
		"sub": stableGUID("sub", user.ObjectID, app.ClientID), "oid": user.ObjectID, "tid": t.ID,
		"aio": randomID(), "rh": "0.AAAA" + randomID() + ".", "uti": randomID(),
		"sid": stableGUID("session", user.ObjectID, app.ClientID),
	}
	if c.nonce != "" {
		claims["nonce"] = c.nonce
	}
	if slices.Contains(c.scopes, "profile") {
		claims["preferred_username"] = user.UPN
		if user.Name != "" {
			claims["name"] = user.Name
		}
	}
	if slices.Contains(c.scopes, "email") && user.Email != "" {
		claims["email"] = user.Email
		_, domain, _ := strings.Cut(user.Email, "@")
		claims["xms_edov"] = slices.ContainsFunc(t.Domains, func(d string) bool { return strings.EqualFold(d, domain) })
	}
	return claims
}
