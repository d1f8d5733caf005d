//! One source of truth for key names inside Lua scripts. Scripts are
//! written with `{NAME}` placeholders, replaced once (when the script is
//! first used) by the quoted names from `catalog::keys` and `cache::keys`,
//! so a key is spelled in exactly one place.

use crate::{cache::keys as cache, catalog::keys as db};

/// The placeholders and the Lua string literal each stands for.
const NAMES: [(&str, &str); 12] = [
    ("{DB_PRODUCT}", db::PRODUCT_PREFIX),
    ("{ALL_IDS}", db::ALL_IDS),
    ("{BY_PRICE}", db::BY_PRICE),
    ("{CATEGORY}", db::CATEGORY_PREFIX),
    ("{CATEGORY_PRICE}", db::CATEGORY_PRICE_PREFIX),
    ("{CATEGORIES}", db::CATEGORIES),
    ("{WORD}", db::WORD_PREFIX),
    ("{PRODUCT_WORDS}", db::PRODUCT_WORDS_PREFIX),
    ("{SEARCH_SCRATCH}", db::SEARCH_SCRATCH),
    ("{CACHE_PRODUCT}", cache::PRODUCT_PREFIX),
    ("{SEARCH_GEN}", cache::SEARCH_GENERATION),
    ("{SEARCH}", cache::SEARCH_PREFIX),
];

/// `lua` with every `{NAME}` replaced by `'<key or prefix>'`.
pub fn lua(script: &str) -> String {
    NAMES
        .iter()
        .fold(script.to_string(), |text, (placeholder, name)| {
            text.replace(placeholder, &format!("'{name}'"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files that hold Lua scripts.
    const SCRIPT_SOURCES: [(&str, &str); 3] = [
        ("cache/scripts.rs", include_str!("cache/scripts.rs")),
        ("catalog/scripts.rs", include_str!("catalog/scripts.rs")),
        ("catalog/search.rs", include_str!("catalog/search.rs")),
    ];

    #[test]
    fn scripts_spell_no_key_name_themselves() {
        for (file, source) in SCRIPT_SOURCES {
            // The Lua texts: the raw strings of the file.
            let lua_texts: Vec<&str> = source
                .split("r#\"")
                .skip(1)
                .filter_map(|s| s.split("\"#").next())
                .collect();
            assert!(!lua_texts.is_empty(), "{file} holds no script");
            let text = lua_texts.join("\n");
            for literal in ["'db:", "'cache:", "'tmp:", "'stats:", "'ratelimit:"] {
                assert!(
                    !text.contains(literal),
                    "{file} spells a key name: {literal}"
                );
            }
            // Every placeholder the scripts use is one `lua` knows, and
            // none is left once it has run.
            let filled = lua(&text);
            for (placeholder, _) in NAMES {
                assert!(!filled.contains(placeholder), "{file}: {placeholder} left");
            }
            let upper =
                |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
            let unknown = filled
                .split('{')
                .skip(1)
                .filter_map(|s| s.split('}').next())
                .find(|inner| upper(inner));
            assert_eq!(unknown, None, "{file}: unknown placeholder");
        }
    }

    #[test]
    fn placeholders_become_quoted_names() {
        assert_eq!(
            lua("redis.call('GET', {DB_PRODUCT} .. id) {SEARCH_GEN} {SEARCH}"),
            "redis.call('GET', 'db:product:' .. id) 'cache:search:gen' 'cache:search:'"
        );
    }
}
