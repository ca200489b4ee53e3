//! Instance administration from the command line (`covenant admin`): accounts made at
//! set-up, before anyone can sign in. The first account of an instance is its
//! administrator; there are no default credentials.

use crate::auth::{password, secret};
use covenant_store::{Account, NewAccount, Store};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Password(#[from] password::PasswordError),
    #[error("{0}")]
    Store(#[from] covenant_store::StoreError),
    #[error("no randomness: {0}")]
    Random(#[from] getrandom::Error),
    #[error("{0:?} is not an email address")]
    Email(String),
}

/// Creates an account with a password; `admin` makes it an instance administrator, as is
/// the instance's first account whatever `admin` says.
pub async fn create_user(
    store: &Store,
    email: &str,
    name: &str,
    password_text: &str,
    admin: bool,
    now_ms: i64,
) -> Result<Account, AdminError> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        return Err(AdminError::Email(email));
    }
    let hash = password::hash(password_text)?;
    let first = store.account_count().await? == 0;
    let id = secret::id()?;
    let account = store
        .create_account(NewAccount {
            id: &id,
            email: &email,
            name: if name.is_empty() { &email } else { name },
            password_hash: Some(&hash),
            created_at: now_ms,
        })
        .await?;
    if admin || first {
        store.set_instance_admin(&account.id, true).await?;
    }
    Ok(store.account(&account.id).await?.unwrap_or(account))
}
