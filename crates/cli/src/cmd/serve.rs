//! `covenant serve`: the multi-tenant server. With `--demo`, a demo workspace made from
//! `examples/enforcer-dashboard` and a one-time admin login printed on the terminal.

use anyhow::Context;
use covenant_server::clock::Clock;
use covenant_server::state::Settings;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Data directory: ledgers, evidence files and (by default) the SQLite database.
    #[arg(long, default_value = ".covenant-server")]
    pub data: PathBuf,
    /// Database URL: postgres://… (default: SQLite in the data directory).
    #[arg(long, env = "COVENANT_DATABASE_URL")]
    pub database: Option<String>,
    /// Directory under which programs may be imported by path.
    #[arg(long)]
    pub import_root: Option<PathBuf>,
    /// Clients reach this server over HTTPS (a TLS-terminating proxy): sends HSTS.
    #[arg(long)]
    pub behind_https: bool,
    /// Create a demo workspace and print a one-time admin login.
    #[arg(long)]
    pub demo: bool,
    /// The demo's program.
    #[arg(long, default_value = "examples/enforcer-dashboard")]
    pub demo_program: PathBuf,
    /// Findings to seed the demo with (for load tests).
    #[arg(long, default_value_t = 0)]
    pub demo_findings: usize,
    /// Evidence entries to seed the demo with (for load tests).
    #[arg(long, default_value_t = 0)]
    pub demo_evidence: usize,
    /// Write the demo admin's API token to this file (for scripts), not to the terminal.
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// OpenID Connect single sign-on: the provider's issuer URL (exactly as in its
    /// discovery document).
    #[arg(long, requires_all = ["oidc_client_id", "public_url"])]
    pub oidc_issuer: Option<String>,
    /// The client id registered at the provider.
    #[arg(long)]
    pub oidc_client_id: Option<String>,
    /// The client secret; prefer the environment variable, which `ps` does not show.
    /// Without one the client is public and PKCE alone protects the code.
    #[arg(long, env = "COVENANT_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// The URL browsers reach this server at, e.g. `https://covenant.example.com`;
    /// register `<public-url>/api/v1/auth/oidc/callback` at the provider.
    #[arg(long)]
    pub public_url: Option<String>,
    /// Serve `/metrics` to callers presenting this bearer token (without one, `/metrics`
    /// answers 404); prefer the environment variable, which `ps` does not show.
    #[arg(long, env = "COVENANT_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Let any account with a second factor create workspaces (by default only instance
    /// administrators, made with `covenant admin create-user`, may).
    #[arg(long)]
    pub allow_workspace_creation: bool,
    /// SMTP server for invitations and password-reset links, e.g. smtp://127.0.0.1:2525
    /// (STARTTLS when offered), smtp://HOST?tls=required, smtps://HOST,
    /// smtp://USER:PASSWORD@HOST; prefer the environment variable, which `ps` does not
    /// show. Needs --public-url: links in mail start with it, never with a request's Host.
    #[arg(
        long,
        env = "COVENANT_SMTP_URL",
        hide_env_values = true,
        requires = "public_url"
    )]
    pub smtp_url: Option<String>,
    /// The From address of that mail (default: covenant@ the host of --public-url).
    #[arg(long)]
    pub mail_from: Option<String>,
}

/// The SSO settings, when an issuer is given (clap has checked the rest is there).
fn oidc(args: &Args) -> Option<covenant_server::oidc::OidcConfig> {
    let issuer = args.oidc_issuer.clone()?;
    let public = args.public_url.as_deref()?.trim_end_matches('/');
    Some(covenant_server::oidc::OidcConfig {
        issuer,
        client_id: args.oidc_client_id.clone()?,
        client_secret: args.oidc_client_secret.clone(),
        redirect_url: format!("{public}/api/v1/auth/oidc/callback"),
        scopes: vec!["email".to_owned(), "profile".to_owned()],
    })
}

/// The token file is readable by its owner only: it is an admin credential.
fn write_secret(path: &std::path::Path, secret: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(secret.as_bytes())
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let mut settings = Settings::new(args.data.clone());
        settings.import_root = args.import_root.clone();
        settings.https = args.behind_https || args.tls_cert.is_some();
        settings.oidc = oidc(&args);
        settings.metrics_token = args.metrics_token.clone().filter(|t| !t.is_empty());
        settings.anyone_creates_workspaces = args.allow_workspace_creation;
        settings.public_url = args.public_url.clone();
        if let Some(url) = args.smtp_url.as_deref().filter(|u| !u.is_empty()) {
            let mailer = covenant_mail::Mailer::connect(url)
                .map_err(|e| anyhow::anyhow!("--smtp-url {e}"))?;
            settings.mailer = Some(mailer);
        }
        if let Some(from) = &args.mail_from {
            covenant_mail::check_address(from).map_err(|e| anyhow::anyhow!("--mail-from: {e}"))?;
            settings.mail_from = Some(from.clone());
        }
        let url = args
            .database
            .clone()
            .unwrap_or_else(|| covenant_server::default_database(&settings));
        let state: covenant_server::state::Shared =
            covenant_server::start(&url, settings, Clock::System).await?;
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("cannot listen on {} (--listen)", args.listen))?;
        if args.demo {
            let login = covenant_server::demo::create(
                &state,
                &args.demo_program,
                args.demo_findings,
                args.demo_evidence,
            )
            .await?;
            let now = u64::try_from(state.clock.now().as_second()).unwrap_or(0);
            let code = covenant_server::auth::totp::code(&login.totp_secret, now)?;
            println!("Demo workspace `demo` is ready. One-time admin login:");
            println!("  email:       {}", login.email);
            println!("  password:    {}", login.password);
            println!("  TOTP secret: {} (current code {code})", login.totp_secret);
            if let Some(f) = &args.token_file {
                write_secret(f, &login.token)
                    .with_context(|| format!("cannot write the token to {}", f.display()))?;
                println!("  API token written to {}", f.display());
            }
        }
        match (&args.tls_cert, &args.tls_key) {
            (Some(cert), Some(key)) => {
                let acceptor = covenant_server::tls::acceptor(cert, key)?;
                println!("listening on https://{}", listener.local_addr()?);
                let listener = covenant_server::tls::listen(listener, acceptor)?;
                anyhow::Ok(covenant_server::serve(state, listener).await?)
            }
            _ => {
                println!("listening on http://{}", listener.local_addr()?);
                anyhow::Ok(covenant_server::serve(state, listener).await?)
            }
        }
    })?;
    Ok(crate::exit::OK)
}
