-- Account lifecycle (issue 12): deactivation by an administrator, and each workspace's
-- second-factor policy. Workspaces made before this migration keep the rule they had
-- (owners and admins only); new ones are created with 'all'.
ALTER TABLE account ADD COLUMN deactivated_at BIGINT;
ALTER TABLE workspace ADD COLUMN mfa_policy TEXT NOT NULL DEFAULT 'admins';
