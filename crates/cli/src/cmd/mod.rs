//! One module per verb.

pub mod admin;
pub mod bench;
pub mod calendar;
pub mod check;
pub mod coverage;
pub mod evidence;
pub mod framework;
pub mod init;
pub mod ledger;
pub mod notify;
pub mod oscal;
pub mod publish;
pub mod record;
pub mod schema;
pub mod serve;
pub mod status;
pub mod vuln;
