//! OIDC single sign-on (being written).
