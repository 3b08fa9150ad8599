package entra

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are the parts of a verified access token a service needs.
type Claims struct {
	Audience string
	Issuer   string
	TenantID string
	// AppID is the calling app's client id (appid in v1 tokens, azp in v2).
	AppID    string
	ObjectID string
	// UPN is set in app+user tokens.
	UPN     string
	Scope   string
	Expires time.Time
	Version string
}

// TokenErrorKind tells why a token was refused, so that each emulator can
// answer with its own service's error code (ARM: AuthenticationFailed,
// InvalidAuthenticationToken, ExpiredAuthenticationToken,
// InvalidAuthenticationTokenAudience).
type TokenErrorKind int

// The reasons a token is refused.
const (
	TokenMissing   TokenErrorKind = iota + 1 // no Authorization: Bearer header
	TokenMalformed                           // not a JWT, bad signature, unknown key, bad issuer
	TokenExpired                             // exp passed (or nbf in the future)
	TokenAudience                            // aud is not the service's
)

// TokenError is returned by [Verifier.Verify].
type TokenError struct {
	Kind TokenErrorKind
	Msg  string
	Err  error
}

func (e *TokenError) Error() string {
	if e.Err != nil {
		return "entra: " + e.Msg + ": " + e.Err.Error()
	}
	return "entra: " + e.Msg
}

func (e *TokenError) Unwrap() error { return e.Err }

// Verifier validates bearer tokens issued by the emulator (or by Entra ID)
// for one audience.
type Verifier struct {
	// Keys finds signing keys: Emulator.Keys() in-process, NewRemoteKeys
	// across processes.
	Keys KeySet
	// Audiences accepted, compared without a trailing slash and
	// case-insensitively ("https://management.core.windows.net/"); a
	// resource's app id is accepted for v2 tokens when listed too.
	Audiences []string
	// Leeway tolerated on exp and nbf (default none).
	Leeway time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// NewVerifier returns a verifier of tokens for audience (and its aliases).
func NewVerifier(keys KeySet, audiences ...string) *Verifier {
	return &Verifier{Keys: keys, Audiences: audiences}
}

// VerifyRequest reads the request's Authorization: Bearer header and
// verifies it.
func (v *Verifier) VerifyRequest(r *http.Request) (*Claims, error) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return nil, &TokenError{Kind: TokenMissing, Msg: "the Authorization header is missing or is not a bearer token"}
	}
	return v.Verify(r.Context(), strings.TrimSpace(tok))
}

// Verify checks a token's RS256 signature against the key set, its expiry
// and its audience, and returns its claims.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	var mc jwt.MapClaims
	parsed, err := jwt.ParseWithClaims(token, &mc, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			kid, _ = t.Header["x5t"].(string)
		}
		return v.Keys.Key(ctx, kid)
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(now), jwt.WithLeeway(v.Leeway), jwt.WithExpirationRequired())
	if err != nil {
		switch {
		case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet):
			return nil, &TokenError{Kind: TokenExpired, Msg: "the token is expired", Err: err}
		default:
			return nil, &TokenError{Kind: TokenMalformed, Msg: "the token is not valid", Err: err}
		}
	}
	if !parsed.Valid {
		return nil, &TokenError{Kind: TokenMalformed, Msg: "the token is not valid"}
	}
	str := func(k string) string { s, _ := mc[k].(string); return s }
	c := &Claims{
		Audience: str("aud"), Issuer: str("iss"), TenantID: str("tid"), AppID: str("appid"),
		ObjectID: str("oid"), UPN: str("upn"), Scope: str("scp"), Version: str("ver"),
	}
	if c.AppID == "" {
		c.AppID = str("azp")
	}
	if exp, err := mc.GetExpirationTime(); err == nil && exp != nil {
		c.Expires = exp.Time
	}
	if c.TenantID == "" || !(strings.HasSuffix(c.Issuer, "/"+c.TenantID+"/") || strings.HasSuffix(c.Issuer, "/"+c.TenantID+"/v2.0")) {
		return nil, &TokenError{Kind: TokenMalformed, Msg: fmt.Sprintf("the issuer %q does not match the tenant %q", c.Issuer, c.TenantID)}
	}
	if !v.audienceOK(c.Audience) {
		return nil, &TokenError{Kind: TokenAudience, Msg: fmt.Sprintf("the audience %q is not accepted", c.Audience)}
	}
	return c, nil
}

func (v *Verifier) audienceOK(aud string) bool {
	norm := func(s string) string { return strings.ToLower(strings.TrimSuffix(s, "/")) }
	for _, a := range v.Audiences {
		if norm(a) == norm(aud) {
			return true
		}
	}
	return false
}
