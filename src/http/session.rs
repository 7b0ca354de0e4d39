//! Session tokens for the `dati_session` cookie.
//!
//! A token is `v1.<member id>.<issued ms>.<signature>`, the signature an
//! HMAC-SHA256 over the first three parts with the server's signing secret,
//! base64url-encoded. Tokens expire after [`SESSION_TTL_MS`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const COOKIE_NAME: &str = "dati_session";
pub const SESSION_TTL_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// Organizers sign in to /admin with their own cookie and a working day's
/// session: the console can change what every member sees.
pub const ADMIN_COOKIE_NAME: &str = "dati_admin";
pub const ADMIN_SESSION_TTL_MS: i64 = 12 * 60 * 60 * 1000;

/// Members' tokens start `v1`, organizers' `o1`: the tag is signed, so one
/// kind never passes for the other.
const MEMBER_TAG: &str = "v1";
const ORGANIZER_TAG: &str = "o1";

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct SessionSigner {
    secret: Vec<u8>,
}

impl SessionSigner {
    pub fn new(secret: impl Into<Vec<u8>>) -> SessionSigner {
        SessionSigner {
            secret: secret.into(),
        }
    }

    pub fn issue(&self, member_id: i64, now_ms: i64) -> String {
        self.issue_tagged(MEMBER_TAG, member_id, now_ms)
    }

    /// The member a token names, if it is genuine and not expired.
    pub fn verify(&self, token: &str, now_ms: i64) -> Option<i64> {
        self.verify_tagged(MEMBER_TAG, SESSION_TTL_MS, token, now_ms)
    }

    pub fn issue_organizer(&self, organizer_id: i64, now_ms: i64) -> String {
        self.issue_tagged(ORGANIZER_TAG, organizer_id, now_ms)
    }

    /// The organizer a token names, if it is genuine and not expired.
    pub fn verify_organizer(&self, token: &str, now_ms: i64) -> Option<i64> {
        self.verify_tagged(ORGANIZER_TAG, ADMIN_SESSION_TTL_MS, token, now_ms)
    }

    fn issue_tagged(&self, tag: &str, id: i64, now_ms: i64) -> String {
        let body = format!("{tag}.{id}.{now_ms}");
        let signature = URL_SAFE_NO_PAD.encode(self.mac(&body).finalize().into_bytes());
        format!("{body}.{signature}")
    }

    fn verify_tagged(&self, tag: &str, ttl_ms: i64, token: &str, now_ms: i64) -> Option<i64> {
        let (body, signature) = token.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        // verify_slice compares in constant time.
        self.mac(body).verify_slice(&signature).ok()?;
        let mut parts = body.split('.');
        if parts.next()? != tag {
            return None;
        }
        let id: i64 = parts.next()?.parse().ok()?;
        let issued_ms: i64 = parts.next()?.parse().ok()?;
        if parts.next().is_some() || now_ms - issued_ms > ttl_ms || issued_ms > now_ms + 60_000 {
            return None;
        }
        Some(id)
    }

    fn mac(&self, body: &str) -> HmacSha256 {
        let mut mac =
            HmacSha256::new_from_slice(&self.secret).expect("HMAC takes keys of any length");
        mac.update(body.as_bytes());
        mac
    }
}

/// The session token in a `Cookie` header, if any.
pub fn token_from_cookies(header: &str) -> Option<&str> {
    cookie_value(header, COOKIE_NAME)
}

/// The value of cookie `name` in a `Cookie` header, if any.
pub fn cookie_value<'h>(header: &'h str, name: &str) -> Option<&'h str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_to_its_member() {
        let s = SessionSigner::new("secret");
        let t = s.issue(42, 1000);
        assert_eq!(s.verify(&t, 2000), Some(42));
    }

    #[test]
    fn a_tampered_token_or_another_secret_fails() {
        let s = SessionSigner::new("secret");
        let t = s.issue(42, 1000);
        assert_eq!(s.verify(&t.replace("v1.42.", "v1.43."), 2000), None);
        assert_eq!(SessionSigner::new("other").verify(&t, 2000), None);
        assert_eq!(s.verify("garbage", 2000), None);
        assert_eq!(s.verify("", 2000), None);
    }

    #[test]
    fn member_and_organizer_tokens_do_not_pass_for_each_other() {
        let s = SessionSigner::new("secret");
        let member = s.issue(7, 1000);
        let organizer = s.issue_organizer(7, 1000);
        assert_eq!(s.verify_organizer(&member, 2000), None);
        assert_eq!(s.verify(&organizer, 2000), None);
        assert_eq!(s.verify_organizer(&organizer, 2000), Some(7));
        assert_eq!(
            s.verify_organizer(&organizer, 1000 + ADMIN_SESSION_TTL_MS + 1),
            None
        );
    }

    #[test]
    fn an_expired_token_fails() {
        let s = SessionSigner::new("secret");
        let t = s.issue(42, 0);
        assert_eq!(s.verify(&t, SESSION_TTL_MS), Some(42));
        assert_eq!(s.verify(&t, SESSION_TTL_MS + 1), None);
    }

    #[test]
    fn the_token_is_found_among_other_cookies() {
        assert_eq!(
            token_from_cookies("a=1; dati_session=v1.x; b=2"),
            Some("v1.x")
        );
        assert_eq!(token_from_cookies("a=1"), None);
    }
}
