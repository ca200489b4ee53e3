//! Sending mail over SMTP. This is the CLI's edge: the advisory text is composed elsewhere,
//! without IO; this module only turns it into a MIME message and hands it to a server.

use anyhow::{Context, anyhow};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};
use std::time::Duration;

/// One plain-text message to one recipient.
pub struct Outgoing<'a> {
    pub from: &'a str,
    pub reply_to: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// Without angle brackets; chosen by the caller so that it can be recorded in the ledger.
    pub message_id: &'a str,
    /// The Date header: the caller's `now`, so that `--at` runs produce the same message.
    pub date: std::time::SystemTime,
}

/// An SMTP server to send through.
pub struct Mailer {
    transport: SmtpTransport,
    /// The URL as given, without credentials, for error messages.
    server: String,
}

impl Mailer {
    /// `smtp://HOST[:PORT]` upgrades to TLS with STARTTLS when the server offers it and
    /// otherwise sends in the clear (an internal relay or a test server); `?tls=required`
    /// refuses to send without STARTTLS, and `smtps://` uses TLS from the first byte.
    /// `smtp://USER:PASSWORD@HOST` authenticates.
    pub fn connect(url: &str) -> anyhow::Result<Mailer> {
        let server = redact(url);
        let builder = SmtpTransport::from_url(url)
            .map_err(|e| anyhow!("--smtp {server}: not an SMTP URL: {e}"))?;
        let builder = if url.starts_with("smtp://") && !url.contains("tls=") {
            // lettre's plain `smtp://` never tries TLS; "with TLS where the server
            // offers it" is the opportunistic mode.
            let host = host_of(url).ok_or_else(|| anyhow!("--smtp {server}: no host"))?;
            let params = TlsParameters::new(host.to_owned())
                .map_err(|e| anyhow!("--smtp {server}: TLS setup: {e}"))?;
            builder.tls(Tls::Opportunistic(params))
        } else {
            builder
        };
        // A stuck server must not hang CI forever.
        let transport = builder.timeout(Some(Duration::from_secs(30))).build();
        Ok(Mailer { transport, server })
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// Sends one message; the error names the server, the recipient and what failed.
    pub fn send(&self, m: &Outgoing) -> anyhow::Result<()> {
        let message = build(m)?;
        self.transport
            .send(&message)
            .map_err(|e| anyhow!("{e}"))
            .with_context(|| format!("sending to {} through {}", m.to, self.server))?;
        Ok(())
    }
}

fn mailbox(what: &str, address: &str) -> anyhow::Result<Mailbox> {
    address
        .parse::<Mailbox>()
        .map_err(|e| anyhow!("{what} address `{address}` is not valid: {e}"))
}

fn build(m: &Outgoing) -> anyhow::Result<Message> {
    Message::builder()
        .from(mailbox("from", m.from)?)
        .reply_to(mailbox("reply-to", m.reply_to)?)
        .to(mailbox("recipient", m.to)?)
        .subject(m.subject)
        .message_id(Some(format!("<{}>", m.message_id)))
        .date(m.date)
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.to_owned())
        .with_context(|| format!("building the message to {}", m.to))
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
fn redact(url: &str) -> String {
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
}
