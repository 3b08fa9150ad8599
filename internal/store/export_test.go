package store

// IsUniqueViolation exposes isUniqueViolation to the package's external
// tests, which run it on real errors of both engines.
var IsUniqueViolation = isUniqueViolation
