//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use crate::api;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "Covenant API", description = "Security program as code, promises as proof. Errors are RFC 9457 problem details."),
    paths(
        api::auth::login, api::auth::totp_verify, api::auth::logout, api::auth::me, api::auth::totp_enroll, api::auth::totp_confirm,
        api::account::change_password, api::account::regenerate_recovery_codes, api::account::sessions, api::account::end_session, api::account::logout_everywhere,
        api::admin::accounts, api::admin::deactivate, api::admin::reactivate, api::admin::reset_totp,
        api::workspaces::list, api::workspaces::create, api::workspaces::get, api::workspaces::summary, api::workspaces::set_mfa_policy,
        api::members::list, api::members::set, api::members::remove,
        api::invitations::list, api::invitations::create, api::invitations::revoke, api::invitations::accept,
        api::password_reset::request, api::password_reset::confirm,
        api::tokens::list, api::tokens::create, api::tokens::revoke,
        api::program::info, api::program::controls, api::program::control, api::program::commitments, api::program::reload,
        api::program::documents, api::program::document,
        api::obligations::list, api::obligations::get,
        api::evidence::list, api::evidence::upload, api::evidence::get, api::evidence::download,
        api::findings::list, api::findings::get, api::findings::triage, api::findings::import,
        api::records::incidents, api::records::open_incident, api::records::incident_step,
        api::records::releases, api::records::release, api::records::waivers, api::records::waive,
        api::ledger::info, api::ledger::checkpoint, api::ledger::entries, api::ledger::proof, api::ledger::consistency, api::ledger::export,
    ),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::actor::SESSION_COOKIE,
            ))),
        );
    }
}

pub fn json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}
