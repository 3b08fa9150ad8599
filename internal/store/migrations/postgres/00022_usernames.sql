-- +goose Up
-- A user may have a user name beside its e-mail (as Cloudesire's users do):
-- HTTP Basic, CMW-Auth-User and sign-in take either. Unique whatever the
-- case; NULL for none. User names hold no '@', so none reads as an e-mail.
ALTER TABLE users ADD COLUMN username TEXT;
CREATE UNIQUE INDEX users_username ON users (lower(username));

-- +goose Down
DROP INDEX users_username;
ALTER TABLE users DROP COLUMN username;
