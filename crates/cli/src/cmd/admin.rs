//! `covenant admin`: instance set-up against the server's data directory or database.

use anyhow::Context;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// Create an account. The instance's first account is its administrator. The
    /// password comes from COVENANT_NEW_PASSWORD, or is generated and printed once.
    CreateUser(CreateUser),
}

#[derive(clap::Args)]
pub struct CreateUser {
    #[arg(long)]
    pub email: String,
    #[arg(long, default_value = "")]
    pub name: String,
    /// Make the account an instance administrator (creates workspaces).
    #[arg(long)]
    pub admin: bool,
    /// The server's data directory (as `covenant serve --data`).
    #[arg(long, default_value = ".covenant-server")]
    pub data: PathBuf,
    /// Database URL: postgres://… (default: SQLite in the data directory).
    #[arg(long, env = "COVENANT_DATABASE_URL")]
    pub database: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    match args.command {
        Command::CreateUser(a) => create_user(a),
    }
}

fn create_user(a: CreateUser) -> anyhow::Result<u8> {
    let (password, generated) = match std::env::var("COVENANT_NEW_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (covenant_server::auth::secret::token()?, true),
    };
    let settings = covenant_server::state::Settings::new(a.data.clone());
    let url = a
        .database
        .clone()
        .unwrap_or_else(|| covenant_server::default_database(&settings));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let account = rt.block_on(async {
        std::fs::create_dir_all(&a.data)
            .with_context(|| format!("cannot create {} (--data)", a.data.display()))?;
        let store = covenant_store::Store::connect(&url).await?;
        let now = crate::clock::now(None)?.as_millisecond();
        let account =
            covenant_server::admin::create_user(&store, &a.email, &a.name, &password, a.admin, now)
                .await?;
        store.close().await;
        anyhow::Ok(account)
    })?;
    if a.json {
        println!(
            "{}",
            serde_json::json!({
                "id": account.id,
                "email": account.email,
                "instance_admin": account.instance_admin,
                "password": generated.then_some(&password),
            })
        );
    } else {
        println!(
            "created {}{}",
            account.email,
            if account.instance_admin {
                " (instance administrator)"
            } else {
                ""
            }
        );
        if generated {
            println!("  password: {password}  (shown once; change it after signing in)");
        }
        println!("  sign in and enrol a second factor under Account before creating workspaces");
    }
    Ok(crate::exit::OK)
}
