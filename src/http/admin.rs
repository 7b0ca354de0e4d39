//! Organizer sign-in and the organizer-only API under `/api/admin`
//! (documented in docs/protocol.md §7). Every route but sign-in takes a
//! [`CurrentOrganizer`]; a member's session does not pass.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::session::{ADMIN_COOKIE_NAME, ADMIN_SESSION_TTL_MS, cookie_value};
use crate::rooms::wall_ms;
use crate::server::App;
use crate::store::organizers::Organizer;

/// Wrong passwords allowed per address and name before a pause.
const MAX_FAILURES: u32 = 5;
/// Wrong passwords allowed per address across all names.
const MAX_FAILURES_PER_ADDRESS: u32 = 20;
/// How long failures are remembered, and the pause once over the limit.
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// The shortest password `dati organizer add` accepts.
pub const MIN_PASSWORD_CHARS: usize = 8;

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/session", post(sign_in).delete(sign_out))
        .route("/me", get(me))
}

/// The signed-in organizer, from the `dati_admin` cookie.
pub struct CurrentOrganizer(pub Organizer);

impl FromRequestParts<Arc<App>> for CurrentOrganizer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &Arc<App>,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "organizer_only",
                "请以组织者身份登录管理后台",
            )
        };
        let token = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|h| cookie_value(h, ADMIN_COOKIE_NAME))
            .ok_or_else(unauthorized)?;
        let id = app
            .signer
            .verify_organizer(token, wall_ms())
            .ok_or_else(unauthorized)?;
        app.stores
            .organizers
            .organizer(id)
            .await?
            .map(CurrentOrganizer)
            .ok_or_else(unauthorized)
    }
}

/// Counts wrong passwords by address and name, and by address alone.
#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginThrottle {
    /// How long the caller must wait before trying again, if at all.
    fn blocked(&self, ip: IpAddr, name: &str, now: Instant) -> Option<Duration> {
        let mut failures = self.failures.lock().expect("throttle lock poisoned");
        failures.retain(|_, (_, since)| now.duration_since(*since) < FAILURE_WINDOW);
        [
            (format!("{ip}|{name}"), MAX_FAILURES),
            (ip.to_string(), MAX_FAILURES_PER_ADDRESS),
        ]
        .into_iter()
        .filter_map(|(key, limit)| {
            let (count, since) = failures.get(&key)?;
            (*count >= limit).then(|| FAILURE_WINDOW - now.duration_since(*since))
        })
        .max()
    }

    fn failed(&self, ip: IpAddr, name: &str, now: Instant) {
        let mut failures = self.failures.lock().expect("throttle lock poisoned");
        for key in [format!("{ip}|{name}"), ip.to_string()] {
            failures.entry(key).or_insert((0, now)).0 += 1;
        }
    }
}

/// An argon2id hash of `password`, as a PHC string.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

fn password_matches(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    name: String,
    password: String,
}

async fn sign_in(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<SignIn>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(|e| ApiError::bad_request(format!("请求格式不正确：{e}")))?;
    let name = body.name.trim().to_owned();
    let ip = peer.ip();
    if let Some(wait) = app.admin_logins.blocked(ip, &name, Instant::now()) {
        let mut res = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!(
                "密码错误次数过多，请 {} 分钟后再试",
                wait.as_secs() / 60 + 1
            ),
        )
        .into_response();
        res.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(wait.as_secs().max(1)),
        );
        return Ok(res);
    }
    let account = app.stores.organizers.organizer_by_name(&name).await?;
    // Verify against a real hash even for an unknown name, so the time
    // taken does not tell which names exist.
    let phc = match &account {
        Some((_, hash)) => hash.clone(),
        None => dummy_hash().to_owned(),
    };
    let password = body.password;
    let matches = tokio::task::spawn_blocking(move || password_matches(&password, &phc))
        .await
        .unwrap_or(false);
    let Some((organizer, _)) = account.filter(|_| matches) else {
        app.admin_logins.failed(ip, &name, Instant::now());
        tracing::warn!(%ip, name, "organizer sign-in refused");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "wrong_credentials",
            "用户名或密码不正确",
        ));
    };
    let token = app.signer.issue_organizer(organizer.id, wall_ms());
    let secure = if app.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{ADMIN_COOKIE_NAME}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        ADMIN_SESSION_TTL_MS / 1000
    );
    tracing::info!(organizer = organizer.id, %ip, "organizer signed in");
    Ok((
        StatusCode::OK,
        [(header::SET_COOKIE, cookie)],
        Json(json!({ "organizer": organizer })),
    )
        .into_response())
}

/// An argon2id hash of a random password nobody knows.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let secret: [u8; 16] = rand::random();
        hash_password(&format!("{secret:?}")).expect("argon2 hashes")
    })
}

async fn sign_out() -> Response {
    let cookie = format!("{ADMIN_COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    (StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response()
}

async fn me(CurrentOrganizer(organizer): CurrentOrganizer) -> Json<Organizer> {
    Json(organizer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let phc = hash_password("正确的密码 horse").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(password_matches("正确的密码 horse", &phc));
        assert!(!password_matches("wrong", &phc));
        assert!(!password_matches("x", "not a hash"));
        assert!(!password_matches("anything", dummy_hash()));
    }

    #[test]
    fn five_wrong_passwords_pause_that_name_and_twenty_the_address() {
        let t = LoginThrottle::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let now = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(t.blocked(ip, "alice", now).is_none());
            t.failed(ip, "alice", now);
        }
        assert!(t.blocked(ip, "alice", now).is_some());
        assert!(t.blocked(ip, "bob", now).is_none());
        for i in 0..MAX_FAILURES_PER_ADDRESS {
            t.failed(ip, &format!("user{i}"), now);
        }
        assert!(t.blocked(ip, "carol", now).is_some());
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(t.blocked(other, "alice", now).is_none());
        assert!(t.blocked(ip, "alice", now + FAILURE_WINDOW).is_none());
    }
}
