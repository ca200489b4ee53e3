-- One schema for SQLite and PostgreSQL: times are Unix milliseconds (BIGINT) and flags
-- are 0/1, so the same DDL and the same queries run on both (see docs/server.md).
CREATE TABLE account (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT,
    totp_secret TEXT,
    totp_enabled BIGINT NOT NULL DEFAULT 0,
    oidc_issuer TEXT,
    oidc_subject TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX account_oidc ON account (oidc_issuer, oidc_subject);

CREATE TABLE recovery_code (
    account_id TEXT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (account_id, code_hash)
);

CREATE TABLE workspace (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    program_source TEXT NOT NULL,
    next_seq BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE member (
    workspace_id TEXT NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, account_id)
);
CREATE INDEX member_account ON member (account_id);

CREATE TABLE session (
    id_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    mfa_done BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX session_account ON session (account_id);

CREATE TABLE api_token (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_token_workspace ON api_token (workspace_id);

CREATE TABLE login_failure (
    throttle_key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failure_key ON login_failure (throttle_key, at);

CREATE TABLE oidc_login (
    state TEXT PRIMARY KEY,
    pending TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Every ledger entry of a workspace, committed in the same transaction as the state it
-- records; the ledger files are appended from here (see docs/server.md).
CREATE TABLE entry (
    workspace_id TEXT NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    entry_type TEXT NOT NULL,
    actor TEXT NOT NULL,
    at BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace_id, seq)
);
CREATE INDEX entry_type ON entry (workspace_id, entry_type, seq);

CREATE TABLE evidence (
    workspace_id TEXT NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    control TEXT NOT NULL,
    kind TEXT NOT NULL,
    effective TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    blob TEXT,
    filename TEXT,
    size BIGINT,
    note TEXT,
    PRIMARY KEY (workspace_id, seq)
);
CREATE INDEX evidence_control ON evidence (workspace_id, control, seq);

CREATE TABLE finding (
    workspace_id TEXT NOT NULL REFERENCES workspace (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    score_tenths BIGINT,
    status TEXT NOT NULL,
    component TEXT NOT NULL,
    first_detected BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
CREATE INDEX finding_status ON finding (workspace_id, status, id);
CREATE INDEX finding_severity ON finding (workspace_id, severity, id);
