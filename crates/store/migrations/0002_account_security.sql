-- Account security (issue 12): attempts are reserved before they are verified, TOTP
-- time steps are used once, the instance has administrators, and security events are
-- kept in an instance log.

-- The reservation an attempt made (NULL for rows from before reservations); a successful
-- attempt releases its own rows by this id.
ALTER TABLE login_failure ADD COLUMN attempt TEXT;
CREATE INDEX login_failure_attempt ON login_failure (attempt);

-- The last TOTP time step accepted for the account: that step and earlier ones are refused.
ALTER TABLE account ADD COLUMN totp_last_step BIGINT;
-- Instance administrators create workspaces and accounts.
ALTER TABLE account ADD COLUMN instance_admin BIGINT NOT NULL DEFAULT 0;

-- Security events of the whole instance: sign-ins, failures, lockouts, second-factor
-- changes and refused requests. Never secrets.
CREATE TABLE security_event (
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    account_id TEXT,
    email TEXT,
    address TEXT,
    user_agent TEXT,
    workspace TEXT,
    detail TEXT
);
CREATE INDEX security_event_at ON security_event (at);
