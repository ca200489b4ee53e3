//! One module per verb.

pub mod bench;
pub mod check;
pub mod evidence;
pub mod init;
pub mod ledger;
pub mod publish;
pub mod schema;
pub mod vuln;
