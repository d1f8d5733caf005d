//! Sessions kept in Redis (the seed's "sessions" use case), so they survive a
//! server restart and work on every instance.
//!
//! A session is one string key, `session:<sha256 of the id>`, holding its
//! role, its CSRF token, when it began and the fingerprint of the token that
//! opened it; its TTL is the idle bound, renewed by every use (`GETEX ... PX`
//! on the master). The cookie carries the id; Redis only ever holds its
//! digest, so reading Redis (a replica, a backup) gives no session away.
//! When the master does not answer, a replica's copy is read (not renewed),
//! so a viewer stays signed in through the failover they are watching.

use super::secret::hex;
use crate::topology::{now_ms, StoreError, Topology};
use app::types::Role;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Prefix of every session key (never shown by the key browser).
pub const SESSION_PREFIX: &str = "session:";
/// Random bytes in a session id and in a CSRF token.
const ID_BYTES: usize = 32;

/// A session id as the cookie carries it: 64 lower-case hex digits.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionId(String);

impl SessionId {
    /// A new id from the operating system's randomness.
    fn random() -> Result<Self, SessionError> {
        Ok(SessionId(random_hex()?))
    }

    /// The cookie's value, when it has the shape of an id (anything else is
    /// no session, and costs no Redis call).
    pub fn parse(value: &str) -> Option<Self> {
        (value.len() == ID_BYTES * 2
            && value
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| SessionId(value.to_string()))
    }

    /// The cookie's value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The Redis key: the id's digest, never the id.
    fn key(&self) -> String {
        format!(
            "{SESSION_PREFIX}{}",
            hex(&Sha256::digest(self.0.as_bytes()))
        )
    }
}

impl std::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionId(***)")
    }
}

/// What a session key holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The role its token gave.
    pub role: Role,
    /// The CSRF token every write made with this session must carry.
    pub csrf: String,
    /// When it was opened (ms since the epoch).
    pub created_ms: u64,
    /// [`super::Secret::fingerprint`] of the token that opened it.
    pub token: String,
}

/// Why the session store could not answer.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Redis did not answer (neither the master nor a replica, for a read).
    #[error("sessions are kept in Redis, which is unavailable: {0}")]
    Store(#[from] StoreError),
    /// The operating system gave no randomness.
    #[error("no randomness for a session id: {0}")]
    Random(String),
}

/// The session store.
#[derive(Clone)]
pub struct Sessions {
    topology: Topology,
    idle: Duration,
    max_age: Duration,
}

impl Sessions {
    /// Sessions ending after `idle` without use, and at `max_age` whatever
    /// their use.
    pub fn new(topology: Topology, idle: Duration, max_age: Duration) -> Self {
        Sessions {
            topology,
            idle,
            max_age,
        }
    }

    /// How long an unused session lives.
    pub fn idle(&self) -> Duration {
        self.idle
    }

    /// The longest a session lives, used or not (the cookie's `Max-Age`).
    pub fn max_age(&self) -> Duration {
        self.max_age
    }

    /// Opens a session for `role`, opened by the token of `fingerprint`.
    pub async fn open(
        &self,
        role: Role,
        fingerprint: String,
    ) -> Result<(SessionId, Session), SessionError> {
        let id = SessionId::random()?;
        let session = Session {
            role,
            csrf: random_hex()?,
            created_ms: now_ms(),
            token: fingerprint,
        };
        let value = serde_json::to_string(&session).unwrap_or_default();
        // NX: an id is never reused, even in the impossible case of a clash.
        let _: Option<String> = self
            .topology
            .master()
            .query(
                redis::cmd("SET")
                    .arg(id.key())
                    .arg(value)
                    .arg("PX")
                    .arg(millis(self.idle))
                    .arg("NX"),
            )
            .await?;
        Ok((id, session))
    }

    /// The session of `id`, renewed for another idle period; `None` when it
    /// ended (expired, signed out, past its maximum age, or unreadable).
    pub async fn find(&self, id: &SessionId) -> Result<Option<Session>, SessionError> {
        let key = id.key();
        let master = self
            .topology
            .master()
            .query::<Option<String>>(
                redis::cmd("GETEX")
                    .arg(&key)
                    .arg("PX")
                    .arg(millis(self.idle)),
            )
            .await;
        let stored = match master {
            Ok(stored) => stored,
            Err(error) => self.read_a_replica(&key).await.ok_or(error)?,
        };
        Ok(stored
            .and_then(|text| serde_json::from_str::<Session>(&text).ok())
            .filter(|s| now_ms().saturating_sub(s.created_ms) < millis(self.max_age)))
    }

    /// The session of `id` without renewing it (a check made on the
    /// session's behalf, not a use of it): `None` when it ended.
    pub async fn peek(&self, id: &SessionId) -> Result<Option<Session>, SessionError> {
        let key = id.key();
        let stored = match self
            .topology
            .master()
            .query::<Option<String>>(redis::cmd("GET").arg(&key))
            .await
        {
            Ok(stored) => stored,
            Err(error) => self.read_a_replica(&key).await.ok_or(error)?,
        };
        Ok(stored
            .and_then(|text| serde_json::from_str::<Session>(&text).ok())
            .filter(|s| now_ms().saturating_sub(s.created_ms) < millis(self.max_age)))
    }

    /// A replica's copy, while the master does not answer.
    async fn read_a_replica(&self, key: &str) -> Option<Option<String>> {
        for replica in self.topology.replicas().iter() {
            if let Ok(stored) = replica.query(redis::cmd("GET").arg(key)).await {
                return Some(stored);
            }
        }
        None
    }

    /// Ends the session of `id`; whether it existed.
    pub async fn close(&self, id: &SessionId) -> Result<bool, SessionError> {
        let removed: u64 = self
            .topology
            .master()
            .query(redis::cmd("DEL").arg(id.key()))
            .await?;
        Ok(removed == 1)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// [`ID_BYTES`] random bytes as hex.
fn random_hex() -> Result<String, SessionError> {
    let mut bytes = [0u8; ID_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| SessionError::Random(e.to_string()))?;
    Ok(hex(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_hex_and_keys_are_their_digest() {
        let a = SessionId::random().expect("randomness");
        let b = SessionId::random().expect("randomness");
        assert_ne!(a, b);
        assert_eq!(SessionId::parse(a.as_str()), Some(a.clone()));
        assert!(a.key().starts_with(SESSION_PREFIX));
        assert!(!a.key().contains(a.as_str()), "the key holds no id");
        for bad in ["", "abc", &"g".repeat(64), &"A".repeat(64), &"a".repeat(65)] {
            assert_eq!(SessionId::parse(bad), None, "{bad}");
        }
        assert_eq!(format!("{a:?}"), "SessionId(***)");
    }
}
