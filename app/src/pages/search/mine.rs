//! "My searches": the lookups this browser made, kept in its `localStorage`
//! (15 at most), so a person's own searches stay in view however busy the
//! shared history is. Nothing is stored on the server side.

use crate::types::HistoryEntry;

/// Entries kept.
pub const KEPT: usize = 15;
/// The `localStorage` key.
const KEY: &str = "cachescope.my-searches";

/// Adds `entry` in front, keeps the newest [`KEPT`].
pub fn remember(list: &mut Vec<HistoryEntry>, entry: HistoryEntry) {
    list.insert(0, entry);
    list.truncate(KEPT);
}

/// The stored list (empty on the server, or when nothing valid is stored).
pub fn load() -> Vec<HistoryEntry> {
    #[cfg(feature = "hydrate")]
    {
        let stored = web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(KEY).ok().flatten());
        if let Some(text) = stored {
            let mut list: Vec<HistoryEntry> = serde_json::from_str(&text).unwrap_or_default();
            list.truncate(KEPT);
            return list;
        }
    }
    Vec::new()
}

/// Stores the list (a no-op on the server, or when storage is refused).
pub fn save(list: &[HistoryEntry]) {
    #[cfg(feature = "hydrate")]
    if let (Some(storage), Ok(text)) = (
        web_sys::window().and_then(|w| w.local_storage().ok().flatten()),
        serde_json::to_string(list),
    ) {
        let _ = storage.set_item(KEY, &text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (list, KEY);
}

/// Now, in ms since the Unix epoch, by the browser's clock (0 on the server).
pub fn now_ms() -> u64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as u64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{LookupQuery, Source};

    #[test]
    fn the_newest_come_first_and_the_list_is_bounded() {
        let entry = |n: u64| HistoryEntry {
            query: LookupQuery::parse(&format!("prod{n}")).expect("valid"),
            source: Source::Cache,
            elapsed_us: n,
            at: n,
            at_us: n * 1000,
        };
        let mut list = Vec::new();
        for n in 1..=20 {
            remember(&mut list, entry(n));
        }
        assert_eq!(list.len(), KEPT);
        assert_eq!(list[0].at, 20);
        assert_eq!(list[KEPT - 1].at, 6);
    }
}
