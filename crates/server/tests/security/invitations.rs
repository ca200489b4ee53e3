//! Invitations and password resets by email, against a real SMTP server (aiosmtpd, which
//! `.ci/run` installs; each test skips with a line on stderr without it). The links are
//! read from the mail the server really sent.

use crate::support::client;
use crate::support::harness::*;
use crate::support::smtp::{self, Mail, Sink};
use covenant_server::role::{Role, Scope};
use covenant_server::state::Settings;
use reqwest::StatusCode;
use serde_json::{Value, json};

const STRONG: &str = "glacier lantern pepper oboe";
const STRONGER: &str = "copper meadow violin tundra";

/// A server that mails through the sink, with workspace `alpha` whose owner has an
/// admin-scope token.
struct Ctx {
    s: Server,
    mail: Sink,
    admin: String,
}

async fn ctx(postgres: bool, mail: Sink, adjust: fn(&mut Settings)) -> Option<Ctx> {
    let mailer = mail.mailer();
    let s = server_with(postgres, move |st| {
        st.mailer = Some(mailer);
        adjust(st);
    })
    .await?;
    covenant_server::workspaces::create(&s.state, "alpha", "Alpha", &program(), "test", None)
        .await
        .unwrap();
    let (owner, _, _) = account(&s, "owner@alpha.test", true).await;
    member(&s, "alpha", &owner, Role::Owner).await;
    let admin = token(&s, "alpha", &owner, vec![Scope::Admin]).await;
    Some(Ctx { s, mail, admin })
}

/// Runs `async fn NAME(Ctx)` on SQLite and PostgreSQL, each with its own SMTP sink.
macro_rules! with_mail {
    ($name:ident) => {
        with_mail!($name, |_| {});
    };
    ($name:ident, $adjust:expr) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(m) = super::smtp::start() {
                    let c = super::ctx(false, m, $adjust).await.unwrap();
                    super::$name(c).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(m) = super::smtp::start()
                    && let Some(c) = super::ctx(true, m, $adjust).await
                {
                    super::$name(c).await;
                }
            }
        }
    };
}

impl Ctx {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.s.base)
    }

    async fn invite(&self, email: &str, role: &str) -> reqwest::Response {
        client()
            .post(self.url("/api/v1/workspaces/alpha/invitations"))
            .bearer_auth(&self.admin)
            .json(&json!({"email": email, "role": role}))
            .send()
            .await
            .unwrap()
    }

    async fn put_member(&self, email: &str, role: &str) -> reqwest::Response {
        client()
            .put(self.url("/api/v1/workspaces/alpha/members"))
            .bearer_auth(&self.admin)
            .json(&json!({"email": email, "role": role}))
            .send()
            .await
            .unwrap()
    }

    async fn pending(&self) -> Vec<Value> {
        let v = get_json(
            &client(),
            self.url("/api/v1/workspaces/alpha/invitations"),
            &self.admin,
        )
        .await;
        v.as_array().unwrap().clone()
    }

    async fn role_of(&self, email: &str) -> Option<String> {
        let a = self.s.state.store.account_by_email(email).await.unwrap()?;
        let ws = self.s.state.live("alpha").unwrap();
        self.s
            .state
            .store
            .member_role(&ws.workspace.id, &a.id)
            .await
            .unwrap()
    }

    /// The ledger's entries of a type prefix, oldest first.
    async fn entries(&self, prefix: &str) -> Vec<Value> {
        let ws = self.s.state.live("alpha").unwrap();
        let mut rows = self
            .s
            .state
            .store
            .entries_of_type(&ws.workspace.id, prefix, None, 100)
            .await
            .unwrap();
        rows.reverse();
        rows.iter()
            .map(|r| serde_json::from_str(&r.body).unwrap())
            .collect()
    }

    async fn events(&self, kind: &str) -> Vec<covenant_store::SecurityEvent> {
        let all = self.s.state.store.security_events(0, 1000).await.unwrap();
        all.into_iter().filter(|e| e.kind == kind).collect()
    }

    /// The web form of a new account's acceptance.
    async fn accept_new(&self, token: &str, name: &str, password: &str) -> reqwest::Response {
        client()
            .post(self.url(&format!("/invite/{token}")))
            .form(&[("name", name), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut r = client().get(self.url(path));
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.send().await.unwrap()
    }
}

/// The mail to `to` among `mails` (the last one, if several).
fn to<'a>(mails: &'a [Mail], addr: &str) -> &'a Mail {
    mails
        .iter()
        .rev()
        .find(|m| m.envelope_to.iter().any(|t| t == addr))
        .unwrap_or_else(|| panic!("no mail to {addr}"))
}

/// Signs in with password and TOTP, moving the manual clock to a fresh time step first.
async fn sign_in(s: &Server, email: &str, pw: &str, secret: &str) -> (String, String) {
    s.state.clock.advance(jiff::SignedDuration::from_secs(30));
    crate::auth::sign_in(s, email, pw, secret).await
}

with_mail!(invitations_answer_the_same_for_known_and_unknown_addresses);
async fn invitations_answer_the_same_for_known_and_unknown_addresses(c: Ctx) {
    account(&c.s, "known@elsewhere.test", false).await;
    account(&c.s, "known2@elsewhere.test", false).await;
    let (member_email, _, _) = account(&c.s, "member@alpha.test", false).await;
    member(&c.s, "alpha", &member_email, Role::Viewer).await;

    // POST …/invitations and PUT …/members for a non-member: the same 202 and body,
    // whether or not the address has an account.
    let mut bodies = Vec::new();
    for (email, via_put) in [
        ("known@elsewhere.test", false),
        ("nobody@elsewhere.test", false),
        ("known2@elsewhere.test", true),
        ("nobody2@elsewhere.test", true),
    ] {
        let r = if via_put {
            c.put_member(email, "auditor").await
        } else {
            c.invite(email, "auditor").await
        };
        assert_eq!(r.status(), StatusCode::ACCEPTED, "{email}");
        let text = r.text().await.unwrap();
        bodies.push(text.replace(email, "EMAIL"));
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:#?}");
    // Nobody became a member: each address must accept first.
    for email in ["known@elsewhere.test", "known2@elsewhere.test"] {
        assert_eq!(c.role_of(email).await, None, "{email}");
    }
    assert_eq!(c.pending().await.len(), 4);

    // Every address got the same mail, but for its own link.
    let mails = c.mail.wait_for(4).await;
    let texts: Vec<String> = mails
        .iter()
        .map(|m| {
            let token = m.token("/invite/").expect("an invitation link");
            assert!(token.len() >= 43, "{token}");
            assert!(
                m.link("/invite/")
                    .unwrap()
                    .starts_with(&format!("{}/invite/", c.s.base)),
                "links use the request's host without --public-url"
            );
            format!(
                "{}\n{}",
                m.header("Subject").unwrap(),
                m.body.replace(&token, "TOKEN")
            )
        })
        .collect();
    assert!(texts.windows(2).all(|w| w[0] == w[1]), "{texts:#?}");
    assert!(texts[0].contains("Invitation to Alpha"), "{}", texts[0]);
    assert!(texts[0].contains("as auditor"), "{}", texts[0]);

    // An existing member's role still changes at once.
    let r = c.put_member(&member_email, "contributor").await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        c.role_of(&member_email).await.as_deref(),
        Some("contributor")
    );
    // Inviting a member is a conflict (the member list already says who they are).
    assert_eq!(
        c.invite(&member_email, "viewer").await.status(),
        StatusCode::CONFLICT
    );
    // Only owners invite owners; a bad address or role is refused.
    let (admin_email, _, _) = account(&c.s, "admin@alpha.test", true).await;
    member(&c.s, "alpha", &admin_email, Role::Admin).await;
    let admin = token(&c.s, "alpha", &admin_email, vec![Scope::Admin]).await;
    let r = client()
        .post(c.url("/api/v1/workspaces/alpha/invitations"))
        .bearer_auth(&admin)
        .json(&json!({"email": "boss@elsewhere.test", "role": "owner"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        c.invite("not an address", "viewer").await.status(),
        StatusCode::BAD_REQUEST
    );
    // A member without the access permission may not invite or list.
    let viewer = token(&c.s, "alpha", &member_email, vec![Scope::Admin]).await;
    let r = client()
        .get(c.url("/api/v1/workspaces/alpha/invitations"))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(c.events("invitation.sent").await.len(), 4);
}

with_mail!(invitee_accepts_by_the_emailed_link);
async fn invitee_accepts_by_the_emailed_link(c: Ctx) {
    let email = "new.auditor@elsewhere.test";
    assert_eq!(
        c.invite(email, "auditor").await.status(),
        StatusCode::ACCEPTED
    );
    let mails = c.mail.wait_for(1).await;
    let token = to(&mails, email).token("/invite/").unwrap();

    let page = c.get(&format!("/invite/{token}"), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("id=\"invite-accept\"") && html.contains(email),
        "{html}"
    );
    assert!(
        html.contains("second factor"),
        "the page says a second factor follows"
    );

    // Weak and short passwords are refused, and nothing is created.
    for weak in ["password1234", "short", "new.auditor@elsewhere.test"] {
        let r = c.accept_new(&token, "Nina Auditor", weak).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{weak}");
        assert!(r.text().await.unwrap().contains("invite-error"));
    }
    assert!(
        c.s.state
            .store
            .account_by_email(email)
            .await
            .unwrap()
            .is_none()
    );

    let r = c.accept_new(&token, "Nina Auditor", STRONG).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The workspace requires a second factor of everyone: enrol first.
    assert_eq!(r.headers()["location"], "/account");
    let ck = cookie(&r);
    assert_eq!(crate::auth::me(&c.s, &ck).await, StatusCode::OK);
    assert_eq!(c.role_of(email).await.as_deref(), Some("auditor"));
    let account =
        c.s.state
            .store
            .account_by_email(email)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(account.name, "Nina Auditor");
    assert!(!account.totp_enabled);
    // Until then the workspace refuses the session.
    let r = c.get("/api/v1/workspaces/alpha/summary", Some(&ck)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("totp-enrollment-required"));

    // The link worked once.
    let again = c.get(&format!("/invite/{token}"), None).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    let r = c.accept_new(&token, "Mallory", STRONGER).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(c.pending().await.is_empty());

    // The ledger says who invited whom and who joined; never the link.
    let created = c.entries("invitation.created").await;
    let accepted = c.entries("invitation.accepted").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["email"], email);
    assert_eq!(created[0]["role"], "auditor");
    assert!(
        created[0]["by"]
            .as_str()
            .unwrap()
            .ends_with(":owner@alpha.test"),
        "{}",
        created[0]
    );
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["account"], email);
    assert_eq!(accepted[0]["new_account"], true);
    assert_eq!(accepted[0]["invitation"], created[0]["invitation"]);
    for e in created.iter().chain(&accepted) {
        assert!(!e.to_string().contains(&token));
    }
    assert_eq!(c.events("invitation.accepted").await.len(), 1);

    // The API accepts too, for a new address, and starts a session.
    let other = "api.viewer@elsewhere.test";
    c.invite(other, "viewer").await;
    let mails = c.mail.wait_for(2).await;
    let token = to(&mails, other).token("/invite/").unwrap();
    let accept = |body: Value| {
        client()
            .post(c.url("/api/v1/invitations/accept"))
            .json(&body)
            .send()
    };
    let r = accept(json!({"token": token})).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "name and password");
    let r = accept(json!({"token": token, "name": "Api Viewer", "password": STRONGER}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ck = cookie(&r);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["role"], "viewer");
    assert_eq!(body["totp_enrollment_required"], true);
    assert!(body["csrf_token"].is_string());
    assert_eq!(crate::auth::me(&c.s, &ck).await, StatusCode::OK);
    assert_eq!(c.role_of(other).await.as_deref(), Some("viewer"));
    let r = accept(json!({"token": token, "name": "Again", "password": STRONGER}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

with_mail!(links_expire_and_revoked_or_replaced_ones_are_refused);
async fn links_expire_and_revoked_or_replaced_ones_are_refused(c: Ctx) {
    // Expired after 7 days.
    c.invite("late@elsewhere.test", "viewer").await;
    let mails = c.mail.wait_for(1).await;
    let late = to(&mails, "late@elsewhere.test").token("/invite/").unwrap();
    c.s.state
        .clock
        .advance(jiff::SignedDuration::from_hours(7 * 24));
    let r = c.get(&format!("/invite/{late}"), None).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c.accept_new(&late, "Late", STRONG).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(
        c.s.state
            .store
            .account_by_email("late@elsewhere.test")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        c.pending().await.is_empty(),
        "an expired one is not pending"
    );

    // Revoked: the link stops working, and the revocation is in the ledger.
    c.invite("gone@elsewhere.test", "viewer").await;
    let mails = c.mail.wait_for(2).await;
    let gone = to(&mails, "gone@elsewhere.test").token("/invite/").unwrap();
    let pending = c.pending().await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["email"], "gone@elsewhere.test");
    assert!(
        !pending[0].to_string().contains(&gone),
        "the list never shows links"
    );
    let id = pending[0]["id"].as_str().unwrap();
    let revoke = || {
        client()
            .delete(c.url(&format!("/api/v1/workspaces/alpha/invitations/{id}")))
            .bearer_auth(&c.admin)
            .send()
    };
    assert_eq!(revoke().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(revoke().await.unwrap().status(), StatusCode::NOT_FOUND);
    let r = c.accept_new(&gone, "Gone", STRONG).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let revoked = c.entries("invitation.revoked").await;
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0]["email"], "gone@elsewhere.test");
    assert!(c.pending().await.is_empty());

    // Invited twice: only the newer link works.
    c.invite("twice@elsewhere.test", "viewer").await;
    c.mail.wait_for(3).await;
    c.invite("twice@elsewhere.test", "contributor").await;
    let mails = c.mail.wait_for(4).await;
    let older = mails[2].token("/invite/").unwrap();
    let newer = mails[3].token("/invite/").unwrap();
    assert_ne!(older, newer);
    assert_eq!(c.pending().await.len(), 1);
    let r = c.accept_new(&older, "Twice", STRONG).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c.accept_new(&newer, "Twice", STRONG).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        c.role_of("twice@elsewhere.test").await.as_deref(),
        Some("contributor")
    );
    // A made-up link gets the same page as a used one.
    let r = c.get("/invite/not-a-real-token", None).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

with_mail!(an_existing_account_must_sign_in_and_consent);
async fn an_existing_account_must_sign_in_and_consent(c: Ctx) {
    let (bob, bob_pw, bob_secret) = account(&c.s, "bob@elsewhere.test", true).await;
    let bob_secret = bob_secret.unwrap();
    let (eve, eve_pw, eve_secret) = account(&c.s, "eve@elsewhere.test", true).await;
    assert_eq!(
        c.invite(&bob, "auditor").await.status(),
        StatusCode::ACCEPTED
    );
    let mails = c.mail.wait_for(1).await;
    let token = to(&mails, &bob).token("/invite/").unwrap();

    // Without a session: sign in first. The new-account form cannot take the address
    // over, and nothing changes.
    let html = c
        .get(&format!("/invite/{token}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("id=\"invite-sign-in\"") && !html.contains("id=\"invite-accept\""),
        "{html}"
    );
    let r = c.accept_new(&token, "Not Bob", STRONG).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(c.role_of(&bob).await, None);
    let stored =
        c.s.state
            .store
            .account_by_email(&bob)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(stored.name, bob, "the account is untouched");
    assert_eq!(
        login(&c.s, &bob, &bob_pw).await.status(),
        StatusCode::OK,
        "the password is unchanged"
    );

    // Signed in as someone else: refused.
    let eve_session = sign_in(&c.s, &eve, &eve_pw, &eve_secret.unwrap()).await;
    let html = c
        .get(&format!("/invite/{token}"), Some(&eve_session.0))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("but you are signed in as"), "{html}");
    let consent = |session: &(String, String)| {
        client()
            .post(c.url(&format!("/invite/{token}/accept")))
            .header("cookie", &session.0)
            .header("x-csrf-token", &session.1)
            .send()
    };
    let r = consent(&eve_session).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(c.role_of(&eve).await, None);

    // Bob, signed in, sees the question; only his consent makes him a member.
    let bob_session = sign_in(&c.s, &bob, &bob_pw, &bob_secret).await;
    let html = c
        .get(&format!("/invite/{token}"), Some(&bob_session.0))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"invite-consent\""), "{html}");
    assert_eq!(c.role_of(&bob).await, None, "no membership until accepted");
    // A consent without the session's CSRF token is refused.
    let r = client()
        .post(c.url(&format!("/invite/{token}/accept")))
        .header("cookie", &bob_session.0)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(c.role_of(&bob).await, None);
    let r = consent(&bob_session).await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/w/alpha");
    assert_eq!(c.role_of(&bob).await.as_deref(), Some("auditor"));
    let accepted = c.entries("invitation.accepted").await;
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["account"], bob.as_str());
    assert_eq!(accepted[0]["new_account"], false);
    // Once.
    let r = consent(&bob_session).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

with_mail!(password_reset_by_email_gives_no_account_away);
async fn password_reset_by_email_gives_no_account_away(c: Ctx) {
    let (email, old_pw, secret) = account(&c.s, "carol@alpha.test", true).await;
    let secret = secret.unwrap();
    member(&c.s, "alpha", &email, Role::Contributor).await;
    let session = sign_in(&c.s, &email, &old_pw, &secret).await;
    let ask = |email: &'static str| {
        client()
            .post(c.url("/api/v1/auth/password-reset"))
            .json(&json!({ "email": email }))
            .send()
    };
    // The same answer for an unknown and a known address; only the known one gets mail.
    let unknown = ask("nobody@alpha.test").await.unwrap();
    assert_eq!(unknown.status(), StatusCode::ACCEPTED);
    let unknown = unknown.text().await.unwrap();
    let known = ask("carol@alpha.test").await.unwrap();
    assert_eq!(known.status(), StatusCode::ACCEPTED);
    assert_eq!(unknown, known.text().await.unwrap());
    let mails = c.mail.wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mails_after = c.mail.mails();
    assert_eq!(mails_after.len(), 1, "no mail for the unknown address");
    assert_eq!(mails[0].envelope_to, std::slice::from_ref(&email));
    assert!(mails[0].body.contains("second factor"), "{}", mails[0].body);
    let token = mails[0].token("/reset/").unwrap();

    let r = c.get(&format!("/reset/{token}"), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("id=\"reset-set\""));
    let set = |password: &'static str| {
        client()
            .post(c.url(&format!("/reset/{token}")))
            .form(&[("password", password)])
            .send()
    };
    let r = set("password1234").await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a guessable password");
    assert_eq!(
        crate::auth::me(&c.s, &session.0).await,
        StatusCode::OK,
        "nothing changed yet"
    );
    let r = set(STRONG).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("id=\"reset-done\""));
    // Every session ended; the old password is gone; the new one still needs TOTP.
    assert_eq!(
        crate::auth::me(&c.s, &session.0).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&c.s, &email, &old_pw).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let r = login(&c.s, &email, STRONG).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["totp_required"], true);
    sign_in(&c.s, &email, STRONG, &secret).await;
    // The link worked once.
    let r = set(STRONGER).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c.get(&format!("/reset/{token}"), None).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(c.events("password.reset").await.len(), 1);
    assert_eq!(c.events("password_reset.sent").await.len(), 1);

    // A link expires after an hour; a newer link replaces an older one.
    c.s.state.clock.advance(jiff::SignedDuration::from_mins(20));
    ask("carol@alpha.test").await.unwrap();
    let first = c.mail.wait_for(2).await[1].token("/reset/").unwrap();
    ask("carol@alpha.test").await.unwrap();
    let second = c.mail.wait_for(3).await[2].token("/reset/").unwrap();
    assert_eq!(
        c.get(&format!("/reset/{first}"), None).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get(&format!("/reset/{second}"), None).await.status(),
        StatusCode::OK
    );
    c.s.state.clock.advance(jiff::SignedDuration::from_mins(61));
    assert_eq!(
        c.get(&format!("/reset/{second}"), None).await.status(),
        StatusCode::NOT_FOUND
    );
    let r = client()
        .post(c.url("/api/v1/auth/password-reset/confirm"))
        .json(&json!({"token": second, "password": STRONGER}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

with_mail!(password_reset_requests_are_throttled_alike);
async fn password_reset_requests_are_throttled_alike(c: Ctx) {
    account(&c.s, "dave@alpha.test", true).await;
    let ask = |email: &'static str| {
        client()
            .post(c.url("/api/v1/auth/password-reset"))
            .json(&json!({ "email": email }))
            .send()
    };
    for email in ["dave@alpha.test", "nobody@alpha.test"] {
        for _ in 0..5 {
            assert_eq!(ask(email).await.unwrap().status(), StatusCode::ACCEPTED);
        }
        let r = ask(email).await.unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{email}");
        assert!(r.headers().contains_key("retry-after"));
    }
    // Five mails, to the account only.
    let mails = c.mail.wait_for(5).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(c.mail.mails().len(), 5);
    assert!(mails.iter().all(|m| m.envelope_to == ["dave@alpha.test"]));
    // The web form says the same as the API, and the reset form's throttle is its own:
    // signing in still works.
    assert_eq!(
        login(&c.s, "dave@alpha.test", "correct horse battery staple")
            .await
            .status(),
        StatusCode::OK
    );
}

with_mail!(links_use_the_public_url, |s| {
    s.public_url = Some("https://covenant.example".into());
    s.mail_from = Some("Covenant <noreply@covenant.example>".into());
});
async fn links_use_the_public_url(c: Ctx) {
    account(&c.s, "erin@alpha.test", false).await;
    // A forged Host header does not move the links.
    let r = client()
        .post(c.url("/api/v1/auth/password-reset"))
        .header("host", "evil.example")
        .json(&json!({"email": "erin@alpha.test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let r = client()
        .post(c.url("/api/v1/workspaces/alpha/invitations"))
        .header("host", "evil.example")
        .bearer_auth(&c.admin)
        .json(&json!({"email": "frank@elsewhere.test", "role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let mails = c.mail.wait_for(2).await;
    let reset = to(&mails, "erin@alpha.test");
    let invite = to(&mails, "frank@elsewhere.test");
    assert!(
        reset
            .link("/reset/")
            .unwrap()
            .starts_with("https://covenant.example/reset/")
    );
    assert!(
        invite
            .link("/invite/")
            .unwrap()
            .starts_with("https://covenant.example/invite/")
    );
    for m in [reset, invite] {
        assert!(!m.body.contains("evil.example"));
        assert!(
            m.header("From")
                .is_some_and(|f| f.contains("noreply@covenant.example"))
        );
        assert!(
            m.header("Message-ID")
                .is_some_and(|f| f.ends_with("@covenant.example>"))
        );
    }
}

/// A stuck SMTP server never holds up a request, and a failed delivery is logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_is_sent_off_the_request_path_and_failures_are_logged() {
    // Accepts connections and never says a word.
    let stuck = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let stuck_url = format!("smtp://127.0.0.1:{}", stuck.local_addr().unwrap().port());
    let s = server_with(false, |st| {
        st.mailer = Some(covenant_mail::Mailer::connect(&stuck_url).unwrap());
    })
    .await
    .unwrap();
    account(&s, "gina@alpha.test", false).await;
    let started = std::time::Instant::now();
    let r = client()
        .post(format!("{}/api/v1/auth/password-reset", s.base))
        .json(&json!({"email": "gina@alpha.test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "answered in {:?}",
        started.elapsed()
    );
    drop(stuck);

    // Nothing listens: the failure reaches the security log, without the link.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("smtp://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let s = server_with(false, |st| {
        st.mailer = Some(covenant_mail::Mailer::connect(&closed_url).unwrap());
    })
    .await
    .unwrap();
    account(&s, "hank@alpha.test", false).await;
    let r = client()
        .post(format!("{}/api/v1/auth/password-reset", s.base))
        .json(&json!({"email": "hank@alpha.test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let mut failed = Vec::new();
    for _ in 0..100 {
        failed = s
            .state
            .store
            .security_events(0, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == "password_reset.failed")
            .collect();
        if !failed.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(failed.len(), 1, "the failure is in the security log");
    let detail = failed[0].detail.clone().unwrap_or_default();
    assert!(
        detail.contains("hank@alpha.test") && detail.contains(&closed_url),
        "{detail}"
    );
    assert!(!detail.contains("/reset/"));
}

/// The settings page invites by email, lists the pending invitation and revokes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settings_page_invites_lists_and_revokes() {
    let Some(mail) = smtp::start() else { return };
    let c = ctx(false, mail, |_| {}).await.unwrap();
    let (owner, pw, secret) = account(&c.s, "web.owner@alpha.test", true).await;
    member(&c.s, "alpha", &owner, Role::Owner).await;
    let (ck, csrf) = sign_in(&c.s, &owner, &pw, &secret.unwrap()).await;
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        let mut form = form;
        form.insert(0, ("csrf", csrf.clone()));
        client()
            .post(c.url(path))
            .header("cookie", &ck)
            .form(&form)
            .send()
    };
    let r = post(
        "/w/alpha/settings/invitations",
        vec![
            ("email", "ivy@elsewhere.test".into()),
            ("role", "auditor".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Invitation sent to ivy@elsewhere.test"),
        "{html}"
    );
    assert!(html.contains("id=\"invitations\""), "{html}");
    c.mail.wait_for(1).await;
    let id = c.pending().await[0]["id"].as_str().unwrap().to_string();
    // Without the CSRF field nothing is revoked.
    let r = client()
        .post(c.url("/w/alpha/settings/invitations/revoke"))
        .header("cookie", &ck)
        .form(&[("invitation", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(c.pending().await.len(), 1);
    let r = post(
        "/w/alpha/settings/invitations/revoke",
        vec![("invitation", id)],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(c.pending().await.is_empty());
    let html = c
        .get("/w/alpha/settings", Some(&ck))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"no-invitations\""), "{html}");
    // The login page links to the reset form, which renders for a stranger.
    let html = c.get("/login", None).await.text().await.unwrap();
    assert!(html.contains("href=\"/reset\""));
    let r = c.get("/reset", None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = client()
        .post(c.url("/reset"))
        .form(&[("email", "nobody@elsewhere.test")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert!(r.text().await.unwrap().contains("id=\"reset-requested\""));
}
