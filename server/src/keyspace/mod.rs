//! Key names, built in Rust only: the product database's ([`db`]) and the
//! cache's ([`cache`]); the limiter's and the sessions' sit beside their
//! scripts. The rule every Lua script keeps, checked here over all of them:
//! a script touches only the keys its caller passes in `KEYS`, so every call
//! says what it touches and Redis Cluster can route it. Which keys must then
//! share a hash tag is in docs/ARCHITECTURE.md.

pub mod cache;
pub mod db;

#[cfg(test)]
mod tests {
    /// Every file that holds a Lua script.
    const SCRIPT_SOURCES: [(&str, &str); 6] = [
        ("cache/scripts.rs", include_str!("../cache/scripts.rs")),
        ("catalog/scripts.rs", include_str!("../catalog/scripts.rs")),
        ("catalog/search.rs", include_str!("../catalog/search.rs")),
        ("ratelimit.rs", include_str!("../ratelimit.rs")),
        ("keybrowser/peek.rs", include_str!("../keybrowser/peek.rs")),
        ("invalidate.rs", include_str!("../invalidate.rs")),
    ];

    /// The Lua texts of a file: its raw strings.
    fn lua_texts(source: &str) -> Vec<&str> {
        source
            .split("r#\"")
            .skip(1)
            .filter_map(|s| s.split("\"#").next())
            .collect()
    }

    #[test]
    fn scripts_touch_only_the_keys_they_are_given() {
        for (file, source) in SCRIPT_SOURCES {
            let texts = lua_texts(source);
            assert!(!texts.is_empty(), "{file} holds no script");
            for text in texts {
                for literal in [
                    "'db:",
                    "'cache:",
                    "'tmp:",
                    "'stats:",
                    "'ratelimit:",
                    "'session:",
                ] {
                    assert!(
                        !text.contains(literal),
                        "{file} spells a key name: {literal}"
                    );
                }
                // The key of every call is a KEYS entry (or a local holding
                // one); `unpack` passes a list built from KEYS.
                for call in text.split("redis.call(").skip(1) {
                    // Calls are one line each; one without a comma has no key.
                    let call = call.lines().next().unwrap_or_default();
                    let Some((_, rest)) = call.split_once(',') else {
                        continue;
                    };
                    let key = rest.trim_start();
                    assert!(
                        ["KEYS[", "key", "tmp", "unpack(args)"]
                            .iter()
                            .any(|p| key.starts_with(p)),
                        "{file}: a call on a key not from KEYS: redis.call({call:.60}"
                    );
                }
            }
        }
    }
}
