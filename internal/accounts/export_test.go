package accounts

import (
	"sync/atomic"

	"github.com/mercato-market/mercato/internal/mercato"
)

// CountPasswordHashes makes the service count its bcrypt hashes until the
// returned function restores it (tests of the reset path).
func CountPasswordHashes() (*atomic.Int64, func()) {
	var n atomic.Int64
	orig := hashPassword
	hashPassword = func(password string) ([]byte, error) {
		n.Add(1)
		return orig(password)
	}
	return &n, func() { hashPassword = orig }
}

// ApplyOrganizationUpdate exposes OrganizationUpdate.apply: the fields a
// PATCH changes.
func ApplyOrganizationUpdate(u OrganizationUpdate, o *mercato.Organization) { u.apply(o) }
