//! The mail the server sends: invitations and password-reset links. Messages are composed
//! here and handed to `covenant-mail` on a blocking thread after the request has been
//! answered, so a slow or unreachable SMTP server never holds up a handler. The outcome
//! goes to the log and to the security log (`KIND.sent`, `KIND.failed`, or
//! `KIND.not_sent` when no SMTP server is configured); neither ever holds the link.

use crate::security_log::{self, Client, Event};
use crate::state::Shared;
use axum::http::{HeaderMap, header};
use covenant_store::Account;

/// One message to one address.
pub struct Letter {
    /// What it is, for the security log: `invitation` or `password_reset`.
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// The account it is about, when there is one.
    pub account: Option<Account>,
    /// The workspace it is about, when there is one.
    pub workspace: Option<String>,
}

/// Where links in mail point: `--public-url` when set, else the scheme and `Host` of the
/// request that caused the mail. `covenant serve` requires `--public-url` with
/// `--smtp-url`, because a link built from a stranger's `Host` header could send a
/// reset secret to another site.
pub fn link_base(state: &Shared, headers: &HeaderMap) -> String {
    if let Some(url) = &state.settings.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = if state.settings.https {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// The From address: `--mail-from`, else `covenant@` the public URL's host.
pub fn from_address(state: &Shared) -> String {
    if let Some(from) = &state.settings.mail_from {
        return from.clone();
    }
    let host = state
        .settings
        .public_url
        .as_deref()
        .and_then(|u| u.split_once("://"))
        .map(|(_, rest)| rest.split(['/', ':', '?']).next().unwrap_or_default())
        .filter(|h| !h.is_empty())
        .unwrap_or("localhost");
    format!("Covenant <covenant@{host}>")
}

/// Sends the letter in the background and records the outcome. Returns at once.
pub fn send_later(state: &Shared, client: &Client, letter: Letter) {
    let state = state.clone();
    let client = client.clone();
    tokio::spawn(async move {
        let outcome = match state.settings.mailer.clone() {
            None => Err((
                "not_sent",
                "no SMTP server is configured (--smtp-url)".to_string(),
            )),
            Some(mailer) => {
                let from = from_address(&state);
                let domain = from
                    .rsplit_once('@')
                    .map_or("localhost", |(_, d)| d.trim_end_matches('>'))
                    .to_string();
                let id = crate::auth::secret::id().unwrap_or_default();
                let message_id = format!("{}.{id}@{domain}", letter.kind.replace('_', "-"));
                let date = std::time::SystemTime::from(state.clock.now());
                let to = letter.to.clone();
                let subject = letter.subject.clone();
                let body = letter.body.clone();
                let server = mailer.server().to_string();
                let sent = tokio::task::spawn_blocking(move || {
                    mailer.send(&covenant_mail::Outgoing {
                        from: &from,
                        reply_to: None,
                        to: &to,
                        subject: &subject,
                        body: &body,
                        message_id: &message_id,
                        date,
                    })
                })
                .await;
                match sent {
                    Ok(Ok(())) => Ok(server),
                    Ok(Err(e)) => Err(("failed", e.to_string())),
                    Err(e) => Err(("failed", format!("the sending task failed: {e}"))),
                }
            }
        };
        let (kind, detail) = match outcome {
            Ok(server) => {
                tracing::info!(kind = letter.kind, to = %letter.to, server = %server, "mail sent");
                (format!("{}.sent", letter.kind), format!("through {server}"))
            }
            Err((what, why)) => {
                tracing::error!(kind = letter.kind, to = %letter.to, error = %why, "mail not sent");
                (format!("{}.{what}", letter.kind), why)
            }
        };
        let mut event = Event::new(&kind).email(&letter.to).detail(detail);
        event.account = letter.account.as_ref();
        event.workspace = letter.workspace.as_deref();
        security_log::record(&state, &client, event).await;
    });
}
