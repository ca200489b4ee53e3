//! OpenID Connect single sign-on: the authorization code flow with PKCE (S256).
//!
//! The flow, as the server drives it:
//! 1. [`OidcClient::discover`] once at start-up (it fetches the provider's
//!    metadata and signing keys).
//! 2. [`OidcClient::begin`] per login: redirect the browser to the returned URL
//!    and keep the [`PendingLogin`] server-side, keyed by its `state`. It must
//!    not travel through the browser: the PKCE verifier and nonce are what tie
//!    the callback to this server-side attempt.
//! 3. On the callback, look the pending login up by the returned `state`,
//!    remove it (single use), and call [`OidcClient::finish`].
//!
//! TLS uses rustls with the *ring* provider, installed as the process default
//! by [`install_crypto_provider`] (which `discover` calls). reqwest is built
//! with `rustls-no-provider`, so any reqwest client in the same binary,
//! including test clients, panics at build time unless a provider is
//! installed first: call [`install_crypto_provider`] early in `main` and in
//! tests that build their own reqwest clients.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreClientAuthMethod, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AsyncHttpClient, AuthType, AuthorizationCode, ClaimsVerificationError,
    ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpRequest,
    HttpResponse, IssuerUrl, JsonWebKeySet, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, SignatureVerificationError,
    TokenResponse,
};
use serde::{Deserialize, Serialize};

/// Upper bound for any response body from the provider. Discovery documents,
/// key sets and token responses are a few KiB; the bound keeps a misbehaving
/// or hostile endpoint from making us buffer without limit.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// An ID token signed with an unknown key triggers a JWKS refetch (the
/// provider rotated its keys), but no more often than this, so that a flood
/// of such tokens cannot turn us into a request amplifier against the
/// provider.
const JWKS_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// Asymmetric algorithms only. HS* would verify with the client secret, which
/// we share with the provider and which is a weaker guarantee; `none` is
/// never acceptable.
const ALLOWED_ID_TOKEN_ALGS: [CoreJwsSigningAlgorithm; 10] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EcdsaP521Sha512,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// Settings of one OpenID provider as the operator configures them.
#[derive(Clone, Debug)]
pub struct OidcConfig {
    /// Issuer identifier, e.g. `https://login.example.com/realms/x`. Must match
    /// the `issuer` in the provider's discovery document exactly.
    pub issuer: String,
    pub client_id: String,
    /// `None` for a public client (PKCE alone protects the code then).
    pub client_secret: Option<String>,
    /// Our callback URL, registered at the provider.
    pub redirect_url: String,
    /// Scopes besides `openid`, which is always requested; typically
    /// `["email", "profile"]`.
    pub scopes: Vec<String>,
}

/// What the server keeps between [`OidcClient::begin`] and
/// [`OidcClient::finish`], keyed by `state`. Serializable so it can live in
/// the store; treat it as a secret (the verifier redeems the code).
#[derive(Serialize, Deserialize, Clone)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

// Hand-written so that logging a pending login cannot leak the verifier.
impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("state", &self.state)
            .field("nonce", &"<redacted>")
            .field("pkce_verifier", &"<redacted>")
            .finish()
    }
}

/// The authenticated end user. `(issuer, subject)` is the stable key for
/// linking an account; the email can change and is only trustworthy for
/// linking when `email_verified` is true.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
}

#[derive(thiserror::Error, Debug)]
pub enum OidcError {
    #[error("invalid OIDC configuration: {0}")]
    Config(String),
    #[error("OIDC discovery failed: {0}")]
    Discovery(String),
    #[error("OIDC callback state does not match the pending login")]
    StateMismatch,
    #[error("the identity provider rejected the authorization code: {0}")]
    TokenRejected(String),
    #[error("token request to the identity provider failed: {0}")]
    TokenRequest(String),
    #[error("the identity provider returned no ID token")]
    MissingIdToken,
    #[error("ID token verification failed: {0}")]
    IdToken(String),
    #[error("userinfo request failed: {0}")]
    UserInfo(String),
}

/// Installs rustls' *ring* provider as the process-wide default, once.
/// Idempotent, and harmless if some other provider was installed first (that
/// one then stays in force).
pub fn install_crypto_provider() {
    // Err only means a default is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The discovered client: authorization and token endpoints are known to be
/// present (checked in `discover`); userinfo is optional.
type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
    EndpointMaybeSet,
>;

/// A configured relying party for one provider. Cheap to clone; share it.
#[derive(Clone)]
pub struct OidcClient {
    inner: Arc<Inner>,
}

struct Inner {
    cfg: OidcConfig,
    metadata: CoreProviderMetadata,
    http: HttpClient,
    scopes: Vec<Scope>,
    // Swapped wholesale when the provider's keys are refetched.
    client: RwLock<Arc<DiscoveredClient>>,
    last_jwks_refresh: Mutex<Instant>,
}

impl fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcClient")
            .field("issuer", &self.inner.cfg.issuer)
            .field("client_id", &self.inner.cfg.client_id)
            .field("redirect_url", &self.inner.cfg.redirect_url)
            .finish_non_exhaustive()
    }
}

impl OidcClient {
    /// Fetches the provider's discovery document and signing keys and builds
    /// the client. Fails if the document's issuer differs from
    /// `cfg.issuer` or it lacks a token endpoint.
    pub async fn discover(cfg: &OidcConfig) -> Result<Self, OidcError> {
        if cfg.client_id.is_empty() {
            return Err(OidcError::Config("client_id is empty".into()));
        }
        let issuer = IssuerUrl::new(cfg.issuer.clone())
            .map_err(|e| OidcError::Config(format!("issuer {:?}: {e}", cfg.issuer)))?;
        // Validate before any network traffic so a typo fails fast.
        RedirectUrl::new(cfg.redirect_url.clone())
            .map_err(|e| OidcError::Config(format!("redirect_url {:?}: {e}", cfg.redirect_url)))?;

        let http = HttpClient::new()?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .map_err(|e| OidcError::Discovery(format!("{}: {}", cfg.issuer, describe(&e))))?;
        let client = build_client(cfg, &metadata)?;
        let scopes = cfg
            .scopes
            .iter()
            .map(|s| s.trim())
            // openidconnect adds `openid` itself; a second copy would be noise.
            .filter(|s| !s.is_empty() && *s != "openid")
            .map(|s| Scope::new(s.to_owned()))
            .collect();
        Ok(Self {
            inner: Arc::new(Inner {
                cfg: cfg.clone(),
                metadata,
                http,
                scopes,
                client: RwLock::new(Arc::new(client)),
                last_jwks_refresh: Mutex::new(Instant::now()),
            }),
        })
    }

    /// The issuer as configured (and as verified against discovery).
    pub fn issuer(&self) -> &str {
        &self.inner.cfg.issuer
    }

    /// Starts a login: returns the provider's authorization URL to redirect
    /// the browser to, and the state to keep server-side until the callback.
    pub fn begin(&self) -> (String, PendingLogin) {
        let client = self.current_client();
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scopes(self.inner.scopes.iter().cloned())
            .set_pkce_challenge(challenge)
            .url();
        let pending = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        };
        (url.into(), pending)
    }

    /// Completes a login from the callback's `code` and `state`: checks the
    /// state, redeems the code with the PKCE verifier, and verifies the ID
    /// token (signature, issuer, audience, expiry, nonce, and `at_hash` when
    /// present). Claims missing from the ID token (providers may deliver
    /// email/name only via userinfo) are fetched from the userinfo endpoint,
    /// whose subject must match.
    ///
    /// The caller must delete `pending` before or regardless of the outcome:
    /// a pending login is single use.
    pub async fn finish(
        &self,
        pending: &PendingLogin,
        code: &str,
        returned_state: &str,
    ) -> Result<Identity, OidcError> {
        // An empty stored state would otherwise match an empty returned one.
        if pending.state.is_empty()
            || !constant_time_eq(pending.state.as_bytes(), returned_state.as_bytes())
        {
            return Err(OidcError::StateMismatch);
        }
        if code.is_empty() {
            return Err(OidcError::TokenRejected("empty authorization code".into()));
        }

        let client = self.current_client();
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.inner.http)
            .await
            .map_err(token_error)?;
        let id_token = token.id_token().ok_or(OidcError::MissingIdToken)?;
        let nonce = Nonce::new(pending.nonce.clone());

        let verify = |client: &DiscoveredClient| -> Result<Identity, ClaimsVerificationError> {
            let verifier = client
                .id_token_verifier()
                .set_allowed_algs(ALLOWED_ID_TOKEN_ALGS);
            let claims = id_token.claims(&verifier, &nonce)?;
            if let Some(expected) = claims.access_token_hash() {
                let alg = id_token
                    .signing_alg()
                    .map_err(ClaimsVerificationError::SignatureVerification)?;
                let key = id_token
                    .signing_key(&verifier)
                    .map_err(ClaimsVerificationError::SignatureVerification)?;
                let actual = AccessTokenHash::from_token(token.access_token(), alg, key)
                    .map_err(|e| ClaimsVerificationError::Other(format!("at_hash: {e}")))?;
                if actual != *expected {
                    return Err(ClaimsVerificationError::Other(
                        "at_hash does not match the access token".into(),
                    ));
                }
            }
            Ok(Identity {
                issuer: claims.issuer().to_string(),
                subject: claims.subject().to_string(),
                email: claims.email().map(|e| e.to_string()),
                // Absent means unverified: never assume a provider vouches for
                // an address it did not say it checked.
                email_verified: claims.email().is_some()
                    && claims.email_verified().unwrap_or(false),
                name: claims
                    .name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.to_string()),
            })
        };

        let mut identity = match verify(&client) {
            Ok(identity) => identity,
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => match self.refresh_jwks().await? {
                Some(refreshed) => verify(&refreshed).map_err(id_token_error)?,
                None => {
                    return Err(OidcError::IdToken(
                        "signed with an unknown key (key set refreshed too recently to retry)"
                            .into(),
                    ));
                }
            },
            Err(e) => return Err(id_token_error(e)),
        };

        if identity.email.is_none() || identity.name.is_none() {
            self.fill_from_userinfo(&client, token.access_token().clone(), &mut identity)
                .await?;
        }
        Ok(identity)
    }

    async fn fill_from_userinfo(
        &self,
        client: &DiscoveredClient,
        access_token: openidconnect::AccessToken,
        identity: &mut Identity,
    ) -> Result<(), OidcError> {
        let subject = openidconnect::SubjectIdentifier::new(identity.subject.clone());
        let request = match client.user_info(access_token, Some(subject)) {
            Ok(request) => request,
            // No userinfo endpoint: the ID token is all there is.
            Err(_) => return Ok(()),
        };
        let info: CoreUserInfoClaims = request
            .request_async(&self.inner.http)
            .await
            .map_err(|e| OidcError::UserInfo(describe(&e)))?;
        if identity.email.is_none()
            && let Some(email) = info.email()
        {
            identity.email = Some(email.to_string());
            // Take the flag from the same source as the address it qualifies.
            identity.email_verified = info.email_verified().unwrap_or(false);
        }
        if identity.name.is_none() {
            identity.name = info.name().and_then(|n| n.get(None)).map(|n| n.to_string());
        }
        Ok(())
    }

    /// Refetches the provider's key set, unless that happened within
    /// [`JWKS_REFRESH_INTERVAL`]; returns the rebuilt client if it did fetch.
    async fn refresh_jwks(&self) -> Result<Option<Arc<DiscoveredClient>>, OidcError> {
        {
            let mut last = self
                .inner
                .last_jwks_refresh
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if last.elapsed() < JWKS_REFRESH_INTERVAL {
                return Ok(None);
            }
            // Claim the slot before the fetch so concurrent callers do not
            // all fetch.
            *last = Instant::now();
        }
        let jwks = JsonWebKeySet::fetch_async(self.inner.metadata.jwks_uri(), &self.inner.http)
            .await
            .map_err(|e| {
                OidcError::IdToken(format!("refetching signing keys: {}", describe(&e)))
            })?;
        let metadata = self.inner.metadata.clone().set_jwks(jwks);
        let client = Arc::new(build_client(&self.inner.cfg, &metadata)?);
        *self
            .inner
            .client
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::clone(&client);
        Ok(Some(client))
    }

    fn current_client(&self) -> Arc<DiscoveredClient> {
        Arc::clone(
            &self
                .inner
                .client
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }
}

fn build_client(
    cfg: &OidcConfig,
    metadata: &CoreProviderMetadata,
) -> Result<DiscoveredClient, OidcError> {
    let token_url = metadata.token_endpoint().cloned().ok_or_else(|| {
        OidcError::Discovery(format!(
            "{}: the provider advertises no token endpoint",
            cfg.issuer
        ))
    })?;
    let redirect = RedirectUrl::new(cfg.redirect_url.clone())
        .map_err(|e| OidcError::Config(format!("redirect_url {:?}: {e}", cfg.redirect_url)))?;
    // client_secret_basic is the spec's default; fall back to sending the
    // secret in the body only for providers that say they accept only that.
    let auth_type = match metadata.token_endpoint_auth_methods_supported() {
        Some(methods)
            if !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
                && methods.contains(&CoreClientAuthMethod::ClientSecretPost) =>
        {
            AuthType::RequestBody
        }
        _ => AuthType::BasicAuth,
    };
    Ok(CoreClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(cfg.client_id.clone()),
        cfg.client_secret.clone().map(ClientSecret::new),
    )
    .set_token_uri(token_url)
    .set_redirect_uri(redirect)
    .set_auth_type(auth_type))
}

/// Compares without an early exit, so response timing does not reveal how
/// much of a guessed state matched. Lengths are not secret (states are
/// fixed-size random tokens).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// `Display` of an error and its sources: openidconnect's top-level messages
/// ("Request failed") say little on their own.
fn describe(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        out.push_str(": ");
        out.push_str(&e.to_string());
        source = e.source();
    }
    out
}

fn token_error<RE: std::error::Error + 'static, T: openidconnect::ErrorResponse + 'static>(
    err: RequestTokenError<RE, T>,
) -> OidcError {
    match err {
        // The provider's `error` and `error_description`: safe and useful.
        RequestTokenError::ServerResponse(response) => {
            OidcError::TokenRejected(response.to_string())
        }
        RequestTokenError::Request(e) => OidcError::TokenRequest(describe(&e)),
        // serde's message can quote the offending value, which in a token
        // response may be a token: report only where parsing failed.
        RequestTokenError::Parse(e, _body) => {
            OidcError::TokenRequest(format!("malformed token response at `{}`", e.path()))
        }
        RequestTokenError::Other(message) => OidcError::TokenRequest(message),
    }
}

fn id_token_error(err: ClaimsVerificationError) -> OidcError {
    OidcError::IdToken(describe(&err))
}

/// reqwest behind openidconnect's HTTP abstraction. Redirects are never
/// followed: discovery, token and key endpoints have no business redirecting,
/// and following one would send the client secret or authorization code
/// wherever the redirect points.
#[derive(Clone)]
struct HttpClient(reqwest::Client);

#[derive(thiserror::Error, Debug)]
enum HttpError {
    #[error("{0}")]
    Reqwest(#[from] reqwest::Error),
    #[error("response body exceeds {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
    #[error("building response: {0}")]
    Http(#[from] openidconnect::http::Error),
}

impl HttpClient {
    fn new() -> Result<Self, OidcError> {
        install_crypto_provider();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("covenant/", env!("CARGO_PKG_VERSION"), " (OIDC)"))
            .build()
            .map(Self)
            .map_err(|e| OidcError::Config(format!("building the HTTP client: {}", describe(&e))))
    }
}

impl<'c> AsyncHttpClient<'c> for HttpClient {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)?;
            let mut response = self.0.execute(request).await?;
            let status = response.status();
            let headers = std::mem::take(response.headers_mut());
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(HttpError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            let mut out = openidconnect::http::Response::builder()
                .status(status)
                .body(body)?;
            *out.headers_mut() = headers;
            Ok(out)
        })
    }
}

// `OidcClient` is shared across request handlers.
const _: fn() = || {
    fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
    assert_shareable::<OidcClient>();
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn pending_login_debug_hides_secrets() {
        let p = PendingLogin {
            state: "s".into(),
            nonce: "the-nonce".into(),
            pkce_verifier: "the-verifier".into(),
        };
        let shown = format!("{p:?}");
        assert!(!shown.contains("the-verifier") && !shown.contains("the-nonce"));
    }
}
