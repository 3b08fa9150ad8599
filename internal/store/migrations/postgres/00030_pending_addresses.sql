-- +goose Up
-- A user kept without its address (issue 16 item 14, docs/security.md,
-- "User enumeration"): an organization invited an address that a user
-- it cannot see holds. The user is kept, listed and deleted as any
-- invited user, but does not hold the address: pending_email is its
-- address, and email, whose uniqueness is what holding an address means,
-- a value no address has ('unclaimed-RANDOM@unclaimed.invalid'). Sign-in,
-- password resets and the organization's mail find users by email, so
-- none reaches such a user. Accepting its invitation (once the address is
-- free, or held by a user that never accepted its own) moves pending_email
-- into email. NULL for a user that holds its address (every user before).
ALTER TABLE users ADD COLUMN pending_email TEXT;

-- +goose Down
-- The users kept without their address stay, with the stand-in address
-- nobody can sign in with.
ALTER TABLE users DROP COLUMN pending_email;
