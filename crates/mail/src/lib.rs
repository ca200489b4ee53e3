//! Covenant's SMTP delivery of plain-text messages: one place that turns a message
//! (composed elsewhere, without IO) into MIME and hands it to an SMTP server. The CLI's
//! `vuln notify` and the server's invitations and password resets both send through it.
//!
//! Sending blocks the calling thread until the server answers (at most 30 s per step); an
//! async caller runs it on a blocking thread. Errors name the server (without its
//! password) and the recipient, never a command-line flag: the caller knows which
//! setting the URL came from.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};
use std::time::Duration;

/// What went wrong connecting or sending.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The URL is not one lettre understands (`smtp://`, `smtps://`, with optional
    /// credentials and `?tls=required`).
    #[error("{server}: not an SMTP URL: {reason}")]
    Url { server: String, reason: String },
    #[error("{server}: no host")]
    NoHost { server: String },
    #[error("{server}: TLS setup: {reason}")]
    Tls { server: String, reason: String },
    /// An address of the message does not parse (`what` is from, reply-to or recipient).
    #[error("{what} address `{address}` is not valid: {reason}")]
    Address {
        what: &'static str,
        address: String,
        reason: String,
    },
    #[error("building the message to {to}: {reason}")]
    Build { to: String, reason: String },
    /// The server refused the message or could not be reached.
    #[error("sending to {to} through {server}: {reason}")]
    Send {
        to: String,
        server: String,
        reason: String,
    },
}

/// One plain-text message to one recipient.
pub struct Outgoing<'a> {
    pub from: &'a str,
    pub reply_to: Option<&'a str>,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// Without angle brackets; chosen by the caller so that it can be recorded.
    pub message_id: &'a str,
    /// The Date header: the caller's `now`, so that runs at a fixed time produce the
    /// same message.
    pub date: std::time::SystemTime,
}

/// An SMTP server to send through. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Mailer {
    transport: SmtpTransport,
    /// The URL as given, without credentials, for error messages.
    server: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// `smtp://HOST[:PORT]` upgrades to TLS with STARTTLS when the server offers it and
    /// otherwise sends in the clear (an internal relay or a test server); `?tls=required`
    /// refuses to send without STARTTLS, and `smtps://` uses TLS from the first byte.
    /// `smtp://USER:PASSWORD@HOST` authenticates. Nothing is sent or connected yet.
    pub fn connect(url: &str) -> Result<Mailer, MailError> {
        let server = redact(url);
        let builder = SmtpTransport::from_url(url).map_err(|e| MailError::Url {
            server: server.clone(),
            reason: e.to_string(),
        })?;
        let builder = if url.starts_with("smtp://") && !url.contains("tls=") {
            // lettre's plain `smtp://` never tries TLS; "with TLS where the server
            // offers it" is the opportunistic mode.
            let host = host_of(url).ok_or_else(|| MailError::NoHost {
                server: server.clone(),
            })?;
            let params = TlsParameters::new(host.to_owned()).map_err(|e| MailError::Tls {
                server: server.clone(),
                reason: e.to_string(),
            })?;
            builder.tls(Tls::Opportunistic(params))
        } else {
            builder
        };
        // A stuck server must not hang a caller forever.
        let transport = builder.timeout(Some(Duration::from_secs(30))).build();
        Ok(Mailer { transport, server })
    }

    /// The server's URL without its password, fit for messages and logs.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Sends one message; the error names the server, the recipient and what failed.
    pub fn send(&self, m: &Outgoing) -> Result<(), MailError> {
        let message = build(m)?;
        self.transport.send(&message).map_err(|e| MailError::Send {
            to: m.to.to_owned(),
            server: self.server.clone(),
            reason: e.to_string(),
        })?;
        Ok(())
    }
}

/// Checks that `address` parses as a mailbox (`name@example.com` or
/// `Name <name@example.com>`), so a bad sender is refused at start rather than at the
/// first message.
pub fn check_address(address: &str) -> Result<(), MailError> {
    mailbox("from", address).map(|_| ())
}

fn mailbox(what: &'static str, address: &str) -> Result<Mailbox, MailError> {
    address.parse::<Mailbox>().map_err(|e| MailError::Address {
        what,
        address: address.to_owned(),
        reason: e.to_string(),
    })
}

fn build(m: &Outgoing) -> Result<Message, MailError> {
    let mut b = Message::builder()
        .from(mailbox("from", m.from)?)
        .to(mailbox("recipient", m.to)?)
        .subject(m.subject)
        .message_id(Some(format!("<{}>", m.message_id)))
        .date(m.date)
        .header(ContentType::TEXT_PLAIN);
    if let Some(r) = m.reply_to {
        b = b.reply_to(mailbox("reply-to", r)?);
    }
    b.body(m.body.to_owned()).map_err(|e| MailError::Build {
        to: m.to.to_owned(),
        reason: e.to_string(),
    })
}

/// The host of an `smtp://[user[:pass]@]host[:port][/...][?...]` URL.
fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        hostport.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// The URL without a password, fit for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..end].rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{}", &rest[end..])
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_redaction() {
        assert_eq!(host_of("smtp://127.0.0.1:2525"), Some("127.0.0.1"));
        assert_eq!(
            host_of("smtp://u:p@mail.example.com"),
            Some("mail.example.com")
        );
        assert_eq!(host_of("smtp://[::1]:25/?x=1"), Some("::1"));
        assert_eq!(host_of("smtp://"), None);
        assert_eq!(
            redact("smtp://alice:secret@mail.example.com:587"),
            "smtp://alice:***@mail.example.com:587"
        );
        assert_eq!(redact("smtp://127.0.0.1:25"), "smtp://127.0.0.1:25");
    }

    #[test]
    fn errors_name_the_server_without_its_password_and_no_flag() {
        let e = Mailer::connect("ftp://alice:secret@mail.example.com")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.starts_with("ftp://alice:***@mail.example.com: not an SMTP URL"),
            "{e}"
        );
        assert!(!e.contains("secret") && !e.contains("--"), "{e}");
    }
}
