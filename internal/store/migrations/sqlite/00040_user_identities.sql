-- +goose Up
-- Sign-in with an identity provider (OpenID Connect, issue 18): a user's
-- identities, each the provider's issuer and the subject it names the
-- person by (the id_token's iss and sub, which never change for that
-- person at that provider). The first sign-in links an identity to the
-- active user holding the address the provider vouches for
-- (internal/accounts, SignInWithIdentity); later sign-ins find the user
-- by (issuer, subject) alone. Deleting a user deletes its identities.
CREATE TABLE user_identities (
    issuer     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user ON user_identities(user_id);

-- +goose Down
DROP TABLE user_identities;
