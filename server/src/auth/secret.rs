//! Secrets the server holds (the viewer and admin tokens): never printed, and
//! compared with a guess in time that depends on the guess alone.

use sha2::{Digest, Sha256};
use std::{fmt, str::FromStr};

/// A configured token. `Debug` and `Display` show `***`, so a token never
/// reaches a log line or `--help` output by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The token itself, for comparison only.
    fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Whether `guess` is this token, in time independent of the secret.
    pub fn matches(&self, guess: &str) -> bool {
        constant_time_eq(guess.as_bytes(), self.expose())
    }

    /// A short digest of the token, stored in sessions it opened: a session
    /// outlives no rotation of its token (a changed token gives another
    /// fingerprint, and the session is refused).
    pub fn fingerprint(&self) -> String {
        hex(&Sha256::digest(self.expose())[..12])
    }

    /// `None` for an empty value (an unset variable given as `""`).
    pub fn non_empty(value: Option<&Secret>) -> Option<&Secret> {
        value.filter(|s| !s.0.is_empty())
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.trim().to_string()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Lower-case hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Compares a guess with the secret without stopping at the first
/// difference or at a length mismatch: the work depends on the guess's
/// length only, so response time reveals neither how much of a guess was
/// right nor how long the secret is.
pub fn constant_time_eq(guess: &[u8], secret: &[u8]) -> bool {
    if secret.is_empty() {
        return false;
    }
    let lengths_differ = u8::from(guess.len() != secret.len());
    guess
        .iter()
        .enumerate()
        .fold(lengths_differ, |acc, (i, x)| {
            acc | (x ^ secret[i % secret.len()])
        })
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_whole_tokens() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(!constant_time_eq(b"x", b""));
        // A guess that repeats the secret is still the wrong length.
        assert!(!constant_time_eq(b"secretsecret", b"secret"));
        assert!(!constant_time_eq(b"sec", b"secret"));
    }

    #[test]
    fn secrets_are_never_printed_and_fingerprints_follow_the_token() {
        let secret: Secret = " hunter2 ".parse().expect("infallible");
        assert!(secret.matches("hunter2"));
        assert_eq!(format!("{secret:?} {secret}"), "Secret(***) ***");
        let other: Secret = "hunter3".parse().expect("infallible");
        assert_ne!(secret.fingerprint(), other.fingerprint());
        assert_eq!(secret.fingerprint().len(), 24);
        let empty: Secret = "".parse().expect("infallible");
        assert_eq!(Secret::non_empty(Some(&empty)), None);
        assert_eq!(hex(&[0x00, 0xab, 0xff]), "00abff");
    }
}
