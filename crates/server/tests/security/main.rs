//! Regression tests from the penetration test of `covenant serve` (issue 12): each one
//! performs the attack against a real server on loopback and sees it fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod accounts;
mod auth;
mod invitations;
mod program_symlinks;
mod uploads;
