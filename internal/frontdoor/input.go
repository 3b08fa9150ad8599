package frontdoor

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// maxForm bounds a URL-encoded form body the door reads to check it (the
// control panel's forms are far smaller; uploads are multipart).
const maxForm = 1 << 20

// textHeaders are the request headers the transports read as text.
var textHeaders = []string{"Idempotency-Key", "Authorization", "CMW-Auth-Token", "CMW-Auth-User", "Accept-Language"}

// checkInput is the one input guard of every transport: the headers the
// transports read as text, the query and a URL-encoded form body must be
// UTF-8 without NUL characters (PostgreSQL stores neither, and no name,
// key or message needs them). A refusal names the field. The form is
// parsed here, once: the handlers read the parsed values.
func checkInput(w http.ResponseWriter, r *http.Request) *Refusal {
	for _, h := range textHeaders {
		for _, v := range r.Header.Values(h) {
			if !clean(v) {
				return badInput("header " + h)
			}
		}
	}
	if !clean(r.URL.Path) {
		return badInput("the path")
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return &Refusal{Status: http.StatusBadRequest, Message: "the query is malformed: " + err.Error()}
	}
	if ref := checkValues("query parameter", query); ref != nil {
		return ref
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" && r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			return &Refusal{Status: http.StatusBadRequest, Message: "the form is malformed or too large"}
		}
		return checkValues("form field", r.PostForm)
	}
	return nil
}

// CheckValues applies the guard to values parsed elsewhere (a multipart
// form's text fields), naming what they are.
func CheckValues(what string, vals url.Values) *Refusal { return checkValues(what, vals) }

func checkValues(what string, vals url.Values) *Refusal {
	for k, vs := range vals {
		if !clean(k) {
			return badInput(what + " name")
		}
		for _, v := range vs {
			if !clean(v) {
				return badInput(fmt.Sprintf("%s %s", what, k))
			}
		}
	}
	return nil
}

func clean(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func badInput(field string) *Refusal {
	return &Refusal{Status: http.StatusBadRequest, Message: field + ": must be UTF-8 text without NUL characters"}
}
