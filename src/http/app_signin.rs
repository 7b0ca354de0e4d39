//! Sign-in through the union's app (docs/app-integration.md).
//!
//! The app signs a short-lived JWT (HS256 with the shared `app_secret`)
//! naming the member; `POST /api/session/app` checks it and answers like a
//! guest sign-in. A JSON body gets JSON back; a form post (a web view
//! opening the game) gets a redirect to `/`, or a small error page.
//!
//! Each token signs in once: its `jti` is recorded in the database until
//! the token could no longer be accepted, so a replay fails on every node.

use std::sync::Arc;

use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::{Form, Json};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::api::{json_body, session_cookie, signed_in};
use super::error::ApiError;
use crate::domain::member::Nickname;
use crate::rooms::wall_ms;
use crate::server::App;
use crate::store::Member;

/// Clock skew tolerated between the app's servers and dati, either way.
pub const LEEWAY_MS: i64 = 60_000;
/// The longest a token may live, `exp - iat`.
pub const MAX_LIFETIME_S: i64 = 600;
/// The longest `sub` and `jti` accepted.
pub const MAX_ID_CHARS: usize = 128;

#[derive(Deserialize)]
pub struct TokenBody {
    token: String,
}

/// The claims of a genuine, current token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppClaims {
    /// The app's member id.
    pub sub: String,
    pub nickname: String,
    pub district: String,
    /// Seconds since the epoch.
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

fn refused(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message)
}

fn invalid(message: impl Into<String>) -> ApiError {
    refused("token_invalid", message)
}

fn forged() -> ApiError {
    refused("token_forged", "登录凭证无效，请从App重新进入")
}

/// Checks a token's header, signature, claims and times; not its
/// nickname, district or whether it was used before.
pub fn verify(secret: &[u8], token: &str, now_ms: i64) -> Result<AppClaims, ApiError> {
    let token = token.trim();
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(invalid("登录凭证格式不正确"));
    }
    // The algorithm is checked before anything else: `none` and every
    // algorithm but HS256 are refused as forgeries.
    let header: Map<String, Value> = URL_SAFE_NO_PAD
        .decode(parts[0])
        .ok()
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or_else(|| invalid("登录凭证格式不正确"))?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err(forged());
    }
    // Claims are checked here rather than by the crate, for precise codes.
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = match jsonwebtoken::decode::<Map<String, Value>>(
        token,
        &DecodingKey::from_secret(secret),
        &validation,
    ) {
        Ok(data) => data.claims,
        Err(e) => {
            return Err(match e.kind() {
                ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm => forged(),
                _ => invalid("登录凭证格式不正确"),
            });
        }
    };
    let text = |name: &str| -> Result<String, ApiError> {
        claims
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| invalid(format!("登录凭证缺少 {name}")))
    };
    let time = |name: &str| -> Option<i64> {
        let v = claims.get(name)?;
        v.as_i64()
            .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
    };
    let required_time =
        |name: &str| time(name).ok_or_else(|| invalid(format!("登录凭证缺少 {name}")));
    let claims = AppClaims {
        sub: text("sub")?,
        nickname: text("nickname")?,
        district: text("district")?,
        iat: required_time("iat")?,
        exp: required_time("exp")?,
        jti: text("jti")?,
    };
    for (name, id) in [("sub", &claims.sub), ("jti", &claims.jti)] {
        if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
            return Err(invalid(format!(
                "登录凭证的 {name} 须为 1 到 {MAX_ID_CHARS} 个字符"
            )));
        }
    }
    let lifetime = claims.exp.saturating_sub(claims.iat);
    if !(1..=MAX_LIFETIME_S).contains(&lifetime) {
        return Err(invalid("登录凭证的有效期须在 10 分钟以内"));
    }
    if claims.exp.saturating_mul(1000).saturating_add(LEEWAY_MS) < now_ms {
        return Err(refused("token_expired", "登录凭证已过期，请从App重新进入"));
    }
    let not_before = time("nbf").map_or(claims.iat, |nbf| nbf.max(claims.iat));
    if not_before.saturating_mul(1000) > now_ms.saturating_add(LEEWAY_MS) {
        return Err(refused(
            "token_not_yet_valid",
            "登录凭证尚未生效，请检查手机时间后重试",
        ));
    }
    Ok(claims)
}

/// Signs in the member a token names: checks it, spends it, and finds or
/// creates the linked member.
async fn sign_in_with(app: &App, token: &str, now_ms: i64) -> Result<Member, ApiError> {
    let secret = app.config.app_secret.as_deref().ok_or_else(disabled)?;
    let claims = verify(secret.as_bytes(), token, now_ms)?;
    let district = claims.district.trim();
    if !app.districts.is_active(district) {
        return Err(refused(
            "invalid_district",
            "App提供的区市不在本服务器的列表中",
        ));
    }
    let nickname = Nickname::parse(&claims.nickname, &app.banned_words)
        .map_err(|e| refused("invalid_nickname", e.to_string()))?;
    let first_use = app
        .stores
        .members
        .use_app_token(
            &claims.jti,
            claims.exp.saturating_mul(1000).saturating_add(LEEWAY_MS),
            now_ms,
        )
        .await?;
    if !first_use {
        return Err(refused(
            "token_replayed",
            "登录凭证已使用过，请从App重新进入",
        ));
    }
    let member = app
        .stores
        .members
        .app_member(&claims.sub, nickname.as_str(), district, now_ms)
        .await?;
    tracing::info!(member = member.id, district, "app member signed in");
    Ok(member)
}

fn disabled() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "app_signin_disabled",
        "本服务器未开启工会App登录",
    )
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
}

/// `POST /api/session/app`: `{"token": "…"}` as JSON answers like guest
/// sign-in; `token=…` as a form answers a redirect to the game.
pub async fn sign_in(State(app): State<Arc<App>>, request: Request) -> Response {
    if app.config.app_secret.is_none() {
        return disabled().into_response();
    }
    let now = wall_ms();
    if is_form(request.headers()) {
        let token = match Form::<TokenBody>::from_request(request, &app).await {
            Ok(Form(body)) => body.token,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return error_page(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "请求内容过大",
                ));
            }
            Err(_) => return error_page(ApiError::bad_request("请求须带 token 字段")),
        };
        match sign_in_with(&app, &token, now).await {
            Ok(member) => (
                StatusCode::SEE_OTHER,
                [
                    (header::SET_COOKIE, session_cookie(&app, member.id, now)),
                    (header::LOCATION, "/".to_owned()),
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
            )
                .into_response(),
            Err(e) => error_page(logged(e)),
        }
    } else {
        let body = Json::<TokenBody>::from_request(request, &app).await;
        let result = match json_body(body) {
            Ok(body) => sign_in_with(&app, &body.token, now).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(member) => signed_in(&app, &member, now),
            Err(e) => logged(e).into_response(),
        }
    }
}

fn logged(e: ApiError) -> ApiError {
    if e.code == "token_forged" {
        tracing::warn!(code = e.code, "app sign-in refused");
    } else if e.status == StatusCode::UNAUTHORIZED {
        tracing::info!(code = e.code, "app sign-in refused");
    }
    e
}

/// A refused form sign-in, for a person looking at a web view.
fn error_page(e: ApiError) -> Response {
    let page = format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>登录失败</title></head>\
         <body style=\"font-family: sans-serif; padding: 2em; text-align: center\">\
         <h1>登录失败</h1><p>{}</p><p><small>{}</small></p>\
         <p><a href=\"/\">以游客身份进入</a></p></body></html>\n",
        escape(&e.message),
        e.code
    );
    (e.status, [(header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};
    use serde_json::json;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const NOW_S: i64 = 1_796_000_000;

    fn mint(claims: Value) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap()
    }

    fn claims(iat: i64, exp: i64) -> Value {
        json!({"sub": "u1", "nickname": "小王", "district": "市南区", "iat": iat, "exp": exp, "jti": "j1"})
    }

    fn code(token: &str) -> &'static str {
        verify(SECRET, token, NOW_S * 1000).unwrap_err().code
    }

    #[test]
    fn a_current_token_verifies() {
        let c = verify(SECRET, &mint(claims(NOW_S, NOW_S + 300)), NOW_S * 1000).unwrap();
        assert_eq!((c.sub.as_str(), c.jti.as_str()), ("u1", "j1"));
    }

    #[test]
    fn the_leeway_is_a_minute_either_way() {
        assert!(verify(SECRET, &mint(claims(NOW_S + 60, NOW_S + 600)), NOW_S * 1000).is_ok());
        assert_eq!(
            code(&mint(claims(NOW_S + 61, NOW_S + 600))),
            "token_not_yet_valid"
        );
        assert!(verify(SECRET, &mint(claims(NOW_S - 600, NOW_S - 60)), NOW_S * 1000).is_ok());
        assert_eq!(
            code(&mint(claims(NOW_S - 600, NOW_S - 61))),
            "token_expired"
        );
    }

    #[test]
    fn lifetimes_outside_one_second_to_ten_minutes_are_invalid() {
        assert_eq!(code(&mint(claims(NOW_S, NOW_S + 601))), "token_invalid");
        assert_eq!(code(&mint(claims(NOW_S, NOW_S))), "token_invalid");
        assert_eq!(code(&mint(claims(NOW_S, i64::MAX))), "token_invalid");
    }

    #[test]
    fn an_nbf_in_the_future_is_not_yet_valid() {
        let mut c = claims(NOW_S, NOW_S + 600);
        c["nbf"] = json!(NOW_S + 120);
        assert_eq!(code(&mint(c)), "token_not_yet_valid");
    }

    #[test]
    fn malformed_tokens_are_invalid() {
        for t in ["", "a.b", "a.b.c.d", "!!.e30.x", "e30.e30.x"] {
            let e = verify(SECRET, t, 0).unwrap_err().code;
            assert!(e == "token_invalid" || e == "token_forged", "{t}: {e}");
        }
        assert_eq!(code("a.b"), "token_invalid");
        let mut c = claims(NOW_S, NOW_S + 60);
        c["sub"] = json!(42);
        assert_eq!(code(&mint(c)), "token_invalid");
        let mut c = claims(NOW_S, NOW_S + 60);
        c["jti"] = json!("j".repeat(129));
        assert_eq!(code(&mint(c)), "token_invalid");
    }
}
