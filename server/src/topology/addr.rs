//! A Redis node's address as Sentinel names it, written one way everywhere
//! (`host:port`, an IPv6 host in brackets), so two spellings of one node
//! never compare unequal.

use std::fmt;

/// A host and a TCP port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Addr {
    /// A name or an IP address (IPv6 without brackets).
    pub host: String,
    /// The TCP port.
    pub port: u16,
}

impl Addr {
    /// `host` at `port`.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Addr {
            host: host.into(),
            port,
        }
    }

    /// From the two words Sentinel sends (`ip`, `port`); `None` for a port
    /// that is not one.
    pub fn from_words(host: &str, port: &str) -> Option<Self> {
        Some(Addr::new(host, port.parse().ok()?))
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_written_one_way() {
        assert_eq!(Addr::new("10.0.0.1", 6379).to_string(), "10.0.0.1:6379");
        assert_eq!(Addr::new("::1", 6379).to_string(), "[::1]:6379");
        assert_eq!(Addr::from_words("h", "6380"), Some(Addr::new("h", 6380)));
        assert_eq!(Addr::from_words("h", "x"), None);
        assert_eq!(Addr::from_words("h", "70000"), None);
    }
}
