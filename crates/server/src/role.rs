//! Roles and what each may do: the one place permissions are decided.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Owner,
    Admin,
    ComplianceManager,
    Contributor,
    /// Reads everything, the ledger and evidence included; changes nothing.
    Auditor,
    Viewer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// The program, obligations, findings, claims, documents.
    Read,
    /// Evidence files, ledger entries, proofs and exports.
    ReadEvidence,
    /// Evidence uploads, incidents, releases.
    Record,
    /// Finding triage, waivers and risk acceptance.
    Decide,
    /// Reloading the program, publishing documents, signing checkpoints.
    ManageProgram,
    /// Members and API tokens.
    ManageAccess,
    /// Granting or removing the owner role.
    ManageOwners,
}

pub const ALL_PERMISSIONS: [Permission; 7] = [
    Permission::Read,
    Permission::ReadEvidence,
    Permission::Record,
    Permission::Decide,
    Permission::ManageProgram,
    Permission::ManageAccess,
    Permission::ManageOwners,
];

pub const ALL_ROLES: [Role; 6] = [
    Role::Owner,
    Role::Admin,
    Role::ComplianceManager,
    Role::Contributor,
    Role::Auditor,
    Role::Viewer,
];

impl Role {
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match self {
            Owner => true,
            Admin => !matches!(p, ManageOwners),
            ComplianceManager => matches!(p, Read | ReadEvidence | Record | Decide | ManageProgram),
            Contributor => matches!(p, Read | ReadEvidence | Record),
            Auditor => matches!(p, Read | ReadEvidence),
            Viewer => matches!(p, Read),
        }
    }

    /// Owners and admins hold the keys to the workspace: they must use a second factor.
    pub fn requires_totp(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::ComplianceManager => "compliance-manager",
            Role::Contributor => "contributor",
            Role::Auditor => "auditor",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        ALL_ROLES.into_iter().find(|r| r.as_str() == s)
    }
}

/// What an API token may do, on top of its creator's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Read permissions only.
    Read,
    /// Recording evidence, incidents, releases and triage, as the role allows.
    Write,
    /// Everything the role allows, access management included.
    Admin,
}

impl Scope {
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Scope::Read => matches!(p, Read | ReadEvidence),
            Scope::Write => matches!(p, Read | ReadEvidence | Record | Decide),
            Scope::Admin => true,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        [Scope::Read, Scope::Write, Scope::Admin]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Who needs a second factor in a workspace. New workspaces require one of everyone: an
/// auditor reads every evidence file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MfaPolicy {
    /// Every member.
    All,
    /// Owners and admins only.
    Admins,
}

impl MfaPolicy {
    pub fn parse(s: &str) -> Option<MfaPolicy> {
        match s {
            "all" => Some(MfaPolicy::All),
            "admins" => Some(MfaPolicy::Admins),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MfaPolicy::All => "all",
            MfaPolicy::Admins => "admins",
        }
    }

    pub fn requires_totp(self, role: Role) -> bool {
        match self {
            MfaPolicy::All => true,
            MfaPolicy::Admins => role.requires_totp(),
        }
    }
}
