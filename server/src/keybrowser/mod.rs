//! The key browser's rules: which keys a role may see ([`KeyPolicy`]) and how
//! a value is read without ever moving more than its shown part
//! ([`peek`]).

pub mod peek;

use crate::{auth::SESSION_PREFIX, ratelimit::RATE_LIMIT_PREFIX};
use app::types::Role;

/// Keys shown to nobody: sessions (even their digests are credentials'
/// shadows) and rate-limit counters (they name client addresses).
pub const NEVER_SHOWN: [&str; 2] = [SESSION_PREFIX, RATE_LIMIT_PREFIX];

/// Whether a role may see a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Shown.
    Shown,
    /// Outside the viewer prefixes (an admin would see it).
    OutsidePrefixes,
    /// Never shown (sessions, rate limits), or the role sees no keys.
    Never,
}

/// The prefixes viewers may browse (`KEY_BROWSER_PREFIXES`).
#[derive(Debug, Clone)]
pub struct KeyPolicy {
    viewer_prefixes: Vec<String>,
}

impl KeyPolicy {
    /// Viewers see keys under `viewer_prefixes`; a prefix that would show a
    /// never-shown key (`""`, `s`, `session:`...) still shows none of them.
    pub fn new(viewer_prefixes: Vec<String>) -> Self {
        KeyPolicy { viewer_prefixes }
    }

    /// The viewer prefixes, for sentences and the page.
    pub fn prefixes(&self) -> &[String] {
        &self.viewer_prefixes
    }

    /// Whether `role` may see `key`.
    pub fn reach(&self, role: Role, key: &str) -> Reach {
        if NEVER_SHOWN.iter().any(|p| key.starts_with(p)) {
            return Reach::Never;
        }
        match role {
            Role::Admin => Reach::Shown,
            Role::Viewer
                if self
                    .viewer_prefixes
                    .iter()
                    .any(|p| key.starts_with(p.as_str())) =>
            {
                Reach::Shown
            }
            Role::Viewer => Reach::OutsidePrefixes,
            Role::Public => Reach::Never,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_see_their_prefixes_admins_more_and_nobody_sessions() {
        let policy = KeyPolicy::new(vec!["db:".into(), "cache:".into(), String::new()]);
        assert_eq!(policy.reach(Role::Viewer, "db:product:1"), Reach::Shown);
        // The empty prefix matches everything but the never-shown keys.
        assert_eq!(policy.reach(Role::Viewer, "user:1"), Reach::Shown);
        let strict = KeyPolicy::new(vec!["db:".into(), "cache:".into()]);
        assert_eq!(strict.reach(Role::Viewer, "user:1"), Reach::OutsidePrefixes);
        assert_eq!(strict.reach(Role::Admin, "user:1"), Reach::Shown);
        for role in [Role::Public, Role::Viewer, Role::Admin] {
            assert_eq!(strict.reach(role, "session:abc"), Reach::Never);
            assert_eq!(policy.reach(role, "ratelimit:api:1.2.3.4"), Reach::Never);
        }
        assert_eq!(strict.reach(Role::Public, "db:product:1"), Reach::Never);
    }
}
