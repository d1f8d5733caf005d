//! Parsing of the text that `INFO` returns (`# Section` headers and
//! `key:value` lines).

use std::collections::HashMap;

/// The fields of an `INFO` answer, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Info(HashMap<String, String>);

impl Info {
    /// Parses `INFO` output; headers, blank lines and lines without a colon are
    /// skipped, so a newer Redis with new fields never breaks it.
    pub fn parse(text: &str) -> Self {
        Info(
            text.lines()
                .filter(|line| !line.starts_with('#'))
                .filter_map(|line| line.trim_end().split_once(':'))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// A field as text.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// A field as a number, when it is one.
    pub fn get_u64(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(|v| v.parse().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_skips_headers() {
        let info = Info::parse(
            "# Replication\r\nrole:slave\r\nmaster_link_status:up\r\n\r\nslave_repl_offset:42\r\n",
        );
        assert_eq!(info.get("role"), Some("slave"));
        assert_eq!(info.get("master_link_status"), Some("up"));
        assert_eq!(info.get_u64("slave_repl_offset"), Some(42));
        assert_eq!(info.get("# Replication"), None);
        assert_eq!(info.get_u64("role"), None);
    }

    #[test]
    fn values_may_contain_colons() {
        let info = Info::parse("slave0:ip=127.0.0.1,port=6380,state=online\n");
        assert_eq!(
            info.get("slave0"),
            Some("ip=127.0.0.1,port=6380,state=online")
        );
    }
}
