//! The web UI: server-rendered pages over the same store, engine and ledger functions the
//! API handlers use (never HTTP calls to the API). Pages live under `/w/{workspace}/...`,
//! one file per page named after its noun; templates are in `templates/`, CSS and JS in
//! `assets/`, all compiled into the binary.
//!
//! Every form POST carries the session's CSRF token as a hidden `csrf` field, first in
//! the form, and no body is read before the session is authenticated (see `csrf.rs`);
//! forms are limited to 64 KiB and evidence uploads to the upload limit. Every change
//! goes through the API's shared functions (and so through `Live::record` and the
//! ledger), and a workspace the caller may not see answers 404 like the API does.

pub mod account;
pub mod assets;
pub mod chart;
pub mod csrf;
pub mod dashboard;
pub mod documents;
pub mod evidence;
pub mod findings;
pub mod invite;
pub mod ledger;
pub mod login;
pub mod obligations;
pub mod program;
pub mod reset;
pub mod settings;

use crate::auth::actor::{Access, Actor, Via, access};
use crate::problem::Problem;
use crate::role::Permission;
use crate::state::Shared;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, request::Parts};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub fn router(state: Shared) -> Router<Shared> {
    let ws = "/w/{workspace}";
    Router::new()
        .route("/", get(login::root))
        .route("/login", get(login::form).post(login::password))
        .route("/login/totp", post(login::totp))
        .route("/logout", post(login::logout))
        .route("/account", get(account::page))
        .route("/account/totp/enroll", post(account::enroll))
        .route("/account/totp/confirm", post(account::confirm))
        .route("/account/password", post(account::password))
        .route("/account/recovery-codes", post(account::recovery_codes))
        .route("/account/sessions/end", post(account::end_session))
        .route(
            "/account/logout-everywhere",
            post(account::logout_everywhere),
        )
        .route("/invite/{token}", get(invite::page).post(invite::create))
        .route("/invite/{token}/accept", post(invite::accept))
        .route("/reset", get(reset::form).post(reset::request))
        .route("/reset/{token}", get(reset::choose).post(reset::set))
        .route("/w", get(login::workspaces))
        .route(ws, get(dashboard::page))
        .route(&format!("{ws}/program"), get(program::page))
        .route(&format!("{ws}/obligations"), get(obligations::list))
        .route(&format!("{ws}/obligations/item"), get(obligations::item))
        .route(
            &format!("{ws}/evidence"),
            get(evidence::list)
                .post(evidence::upload)
                .layer(DefaultBodyLimit::max(state.settings.max_body)),
        )
        .route(&format!("{ws}/evidence/{{seq}}"), get(evidence::item))
        .route(&format!("{ws}/findings"), get(findings::list))
        .route(&format!("{ws}/findings/item"), get(findings::item))
        .route(&format!("{ws}/findings/triage"), post(findings::triage))
        .route(&format!("{ws}/ledger"), get(ledger::page))
        .route(
            &format!("{ws}/ledger/checkpoints"),
            post(ledger::checkpoint),
        )
        .route(&format!("{ws}/documents"), get(documents::list))
        .route(&format!("{ws}/documents/view"), get(documents::view))
        .route(&format!("{ws}/settings"), get(settings::page))
        .route(
            &format!("{ws}/settings/mfa-policy"),
            post(settings::set_mfa_policy),
        )
        .route(
            &format!("{ws}/settings/members"),
            post(settings::set_member),
        )
        .route(
            &format!("{ws}/settings/members/remove"),
            post(settings::remove_member),
        )
        .route(
            &format!("{ws}/settings/invitations"),
            post(settings::invite),
        )
        .route(
            &format!("{ws}/settings/invitations/revoke"),
            post(settings::revoke_invitation),
        )
        .route(
            &format!("{ws}/settings/tokens"),
            post(settings::create_token),
        )
        .route(
            &format!("{ws}/settings/tokens/revoke"),
            post(settings::revoke_token),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            csrf::form_token,
        ))
        .route("/assets/{name}", get(assets::serve))
        // Forms are small; the evidence upload above sets its own limit.
        .layer(DefaultBodyLimit::max(csrf::FORM_LIMIT))
}

/// What every page's frame shows: the asset URLs, the signed-in account and, inside a
/// workspace, its navigation.
pub struct Shell {
    pub title: String,
    pub css: &'static str,
    pub js: &'static str,
    pub csrf: String,
    pub email: String,
    pub ws: Option<WsNav>,
}

pub struct WsNav {
    pub slug: String,
    pub name: String,
    pub role: String,
    /// The nav entry of the current page (`dashboard`, `program`, ...).
    pub active: &'static str,
}

impl WsNav {
    /// `aria-current` for a nav entry.
    pub fn current(&self, entry: &str) -> &'static str {
        if self.active == entry {
            "page"
        } else {
            "false"
        }
    }
}

impl Shell {
    pub fn anonymous(title: &str) -> Shell {
        Shell {
            title: title.to_string(),
            css: assets::css_url(),
            js: assets::js_url(),
            csrf: String::new(),
            email: String::new(),
            ws: None,
        }
    }

    pub fn for_actor(title: &str, actor: &Actor) -> Shell {
        Shell {
            csrf: csrf_of(actor),
            email: actor.account.email.clone(),
            ..Shell::anonymous(title)
        }
    }

    pub fn for_access(title: &str, a: &Access, active: &'static str) -> Shell {
        Shell {
            ws: Some(WsNav {
                slug: a.live.workspace.slug.clone(),
                name: a.live.workspace.name.clone(),
                role: a.role.as_str().to_string(),
                active,
            }),
            ..Shell::for_actor(title, &a.actor)
        }
    }
}

impl Shell {
    /// The current workspace's slug, for links; empty outside a workspace.
    pub fn slug(&self) -> &str {
        self.ws.as_ref().map_or("", |w| w.slug.as_str())
    }
}

pub fn csrf_of(actor: &Actor) -> String {
    match &actor.via {
        Via::Session(s) => s.csrf_token.clone(),
        Via::Token(..) => String::new(),
    }
}

/// A signed-in caller for a page. Without a session the browser is sent to the login
/// page (which resumes at the second factor when only that is missing); other refusals
/// become the friendly error page.
pub struct WebActor(pub Actor);

impl FromRequestParts<Shared> for WebActor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Response> {
        match Actor::from_request_parts(parts, state).await {
            Ok(a) => Ok(WebActor(a)),
            Err(rejection) => {
                let res = rejection.into_response();
                if res.status() == StatusCode::UNAUTHORIZED {
                    let next = parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str())
                        .unwrap_or("/");
                    Err(Redirect::to(&format!("/login?next={}", query_escape(next)))
                        .into_response())
                } else {
                    Err(error_page(
                        res.status(),
                        "Not permitted",
                        "This request was refused. If you submitted a form, reload the page and try again.",
                    ))
                }
            }
        }
    }
}

/// `Form`, answering a body it cannot take with an error page (413 over the form limit)
/// rather than axum's plain text.
pub struct WebForm<T>(pub T);

impl<T, S> FromRequest<S> for WebForm<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(t)) => Ok(WebForm(t)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "The form is larger than this server accepts.",
            )),
            Err(e) => Err(error_page(e.status(), "Invalid request", &e.body_text())),
        }
    }
}

/// Resolves the workspace and checks a permission, exactly as the API does.
pub async fn enter(
    state: &Shared,
    actor: WebActor,
    slug: &str,
    permission: Permission,
) -> Result<Access, WebError> {
    Ok(access(state, actor.0, slug, permission).await?)
}

/// A problem shown as a page: the same status and words as the API's problem details.
#[derive(Debug)]
pub struct WebError(pub Problem);

impl From<covenant_store::StoreError> for WebError {
    fn from(e: covenant_store::StoreError) -> WebError {
        WebError(e.into())
    }
}

impl From<crate::live::LiveError> for WebError {
    fn from(e: crate::live::LiveError) -> WebError {
        WebError(e.into())
    }
}

impl From<Problem> for WebError {
    fn from(p: Problem) -> WebError {
        WebError(p)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let p = self.0;
        let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let detail = match (status, p.detail) {
            (StatusCode::NOT_FOUND, _) => {
                "There is nothing here, or you do not have access to it.".to_string()
            }
            _ if p.kind.ends_with("/totp-enrollment-required") => {
                "This workspace requires a second factor for your role. Set one up on your account page, then come back.".to_string()
            }
            (_, Some(d)) => d,
            (_, None) => String::new(),
        };
        error_page(status, &p.title, &detail)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    shell: Shell,
    status: u16,
    message: String,
    detail: String,
}

pub fn error_page(status: StatusCode, title: &str, detail: &str) -> Response {
    let page = ErrorPage {
        shell: Shell::anonymous(title),
        status: status.as_u16(),
        message: title.to_string(),
        detail: detail.to_string(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => Problem::internal(e).into_response(),
    }
}

pub type WebResult = Result<Response, WebError>;

/// Renders a page template.
pub fn render(t: &impl Template) -> WebResult {
    t.render()
        .map(|h| Html(h).into_response())
        .map_err(|e| WebError(Problem::internal(e)))
}

/// Percent-encodes a query parameter value.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `2026-11-01T12:00:00Z` → `2026-11-01 12:00 UTC`, for people.
pub fn when(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// Milliseconds since the epoch, for people.
pub fn when_ms(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(when)
        .unwrap_or_default()
}

/// A signed duration as words: "in 3 days", "5 hours ago".
pub fn countdown(due: jiff::Timestamp, now: jiff::Timestamp) -> String {
    let secs = due.as_second() - now.as_second();
    let abs = secs.unsigned_abs();
    let words = if abs >= 2 * 86_400 {
        format!("{} days", abs / 86_400)
    } else if abs >= 7_200 {
        format!("{} hours", abs / 3_600)
    } else {
        format!("{} minutes", abs / 60)
    };
    if secs >= 0 {
        format!("in {words}")
    } else {
        format!("{words} ago")
    }
}
