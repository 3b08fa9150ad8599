package store

import "sync/atomic"

// CountPasswordHashes makes the store count its bcrypt hashes until the
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

// IsUniqueViolation exposes isUniqueViolation to the package's external
// tests, which run it on real errors of both engines.
var IsUniqueViolation = isUniqueViolation
