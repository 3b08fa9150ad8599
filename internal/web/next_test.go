package web

import "testing"

// TestSafeNext replays open-redirect attempts through the sign-in form's
// next parameter (as FormValue decodes them): each falls back to "/".
func TestSafeNext(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"/subscriptions/4":         "/subscriptions/4",
		"/invoices?period=2026-02": "/invoices?period=2026-02",
		"/%2F/host":                "/%2F/host", // an encoded slash stays a path of this origin
		"":                         "/",
		"/\t/evil.example/path":    "/",
		"/\n/evil.example":         "/",
		"/\r\n/evil.example":       "/",
		"//evil.example":           "/",
		"/\\evil.example":          "/",
		"\\/evil.example":          "/",
		"https://evil.example/":    "/",
		"javascript:alert(1)":      "/",
		"evil.example":             "/",
		"/\x00x":                   "/",
		"/ok\x7f":                  "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
