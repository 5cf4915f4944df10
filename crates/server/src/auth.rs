//! Who may use the map page: users with a role and an Argon2id password hash, and the
//! sessions their logins open.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a user may do on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sees the picture.
    Viewer,
    /// Sees the picture and acknowledges alerts.
    Operator,
}

impl Role {
    /// Its name in configuration and on the page.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
        }
    }

    /// The role named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "viewer" => Some(Role::Viewer),
            "operator" => Some(Role::Operator),
            _ => None,
        }
    }
}

/// A page user.
#[derive(Debug, Clone)]
pub struct User {
    /// Login name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Argon2 password hash in PHC string form (`$argon2id$v=19$...`).
    pub password_hash: String,
}

/// A problem with a password or its hash.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The hash is not a PHC string Argon2 can check.
    #[error("not an Argon2 password hash (expected `$argon2id$v=19$...`): {0}")]
    BadHash(String),
    /// Hashing failed.
    #[error("cannot hash the password: {0}")]
    Hashing(String),
    /// The system's random source failed.
    #[error("no system randomness: {0}")]
    Random(String),
}

/// Shortest page password skyfence hashes (from `skyfence hash-password` or a
/// `password_env` variable).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// An Argon2id hash (the crate's defaults, OWASP's recommended minimum: 19 MiB, two
/// passes) of `password` with a fresh random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hashing(e.to_string()))
}

/// Checks that `hash` is a PHC string Argon2 can verify against.
pub fn check_hash(hash: &str) -> Result<(), AuthError> {
    PasswordHash::new(hash)
        .map(|_| ())
        .map_err(|e| AuthError::BadHash(e.to_string()))
}

/// Whether `password` matches `hash` (false for a malformed hash).
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A random secret of `bytes` bytes as lowercase hex, from the operating system's
/// random source (session ids, generated passwords and tokens: never seeded).
pub fn random_hex(bytes: usize) -> Result<String, AuthError> {
    let mut b = vec![0u8; bytes];
    getrandom::getrandom(&mut b).map_err(|e| AuthError::Random(e.to_string()))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// A logged-in user.
#[derive(Debug, Clone)]
pub struct Session {
    /// Login name.
    pub user: String,
    /// Their role.
    pub role: Role,
    expires: Instant,
}

/// Open sessions by id. Held in memory: a restart logs everyone out, which for a
/// control-room service that restarts rarely is the safe side.
#[derive(Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
}

/// How long a login lasts: one long shift.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

impl Sessions {
    /// Opens a session for `user` and returns its id.
    pub fn open(&self, user: &str, role: Role) -> Result<String, AuthError> {
        let id = random_hex(32)?;
        let now = Instant::now();
        if let Ok(mut m) = self.open.lock() {
            m.retain(|_, s| s.expires > now);
            m.insert(
                id.clone(),
                Session {
                    user: user.to_owned(),
                    role,
                    expires: now + SESSION_LIFETIME,
                },
            );
        }
        Ok(id)
    }

    /// The live session with this id.
    pub fn get(&self, id: &str) -> Option<Session> {
        let m = self.open.lock().ok()?;
        m.get(id).filter(|s| s.expires > Instant::now()).cloned()
    }

    /// Ends a session.
    pub fn close(&self, id: &str) {
        if let Ok(mut m) = self.open.lock() {
            m.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_hash_accepts_its_password_and_nothing_else() {
        let h = hash_password("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        check_hash(&h).unwrap();
        assert!(verify_password(&h, "correct horse battery staple"));
        assert!(!verify_password(&h, "correct horse battery stapl"));
        assert!(!verify_password("not a hash", "x"));
        assert!(check_hash("plain-text-password").is_err());
        // A fresh salt each time: two hashes of one password differ.
        assert_ne!(h, hash_password("correct horse battery staple").unwrap());
    }

    #[test]
    fn sessions_are_random_and_end_when_closed() {
        let s = Sessions::default();
        let a = s.open("ana", Role::Operator).unwrap();
        let b = s.open("ben", Role::Viewer).unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(s.get(&a).unwrap().user, "ana");
        assert_eq!(s.get(&b).unwrap().role, Role::Viewer);
        s.close(&a);
        assert!(s.get(&a).is_none());
        assert!(s.get("guess").is_none());
    }
}
