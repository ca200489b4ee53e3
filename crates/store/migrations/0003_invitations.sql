-- Invitations and password resets (issue 12): each is a single-use link that expires,
-- emailed to the address; only the SHA-256 of the link's secret is stored.

-- An invitation to join a workspace with a role. Pending while none of accepted_at,
-- revoked_at is set and expires_at is in the future.
CREATE TABLE invitation (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    -- Who invited, as the ledger names them (`account:EMAIL`, `token:ID:EMAIL`).
    invited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_by TEXT,
    revoked_at BIGINT
);
CREATE INDEX invitation_workspace ON invitation (workspace_id, email);

-- A password reset link of an account, valid for an hour and once.
CREATE TABLE password_reset (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_reset_account ON password_reset (account_id);
