//! Whether the master's memory settings suit cachescope: cache entries
//! (`cache:*`) have a TTL and may be evicted; the product database (`db:*`)
//! has none and must never be. `volatile-lru` (or any `volatile-*`) evicts
//! only keys with a TTL; `allkeys-*` could evict products; no `maxmemory`
//! lets the cache grow until the machine runs out of memory.

use super::Info;

/// A sentence for the operator when the policy is risky, from `INFO memory`.
pub fn policy_warning(info: &Info) -> Option<String> {
    let maxmemory = info.get_u64("maxmemory").unwrap_or(0);
    let policy = info.get("maxmemory_policy").unwrap_or("noeviction");
    if policy.starts_with("allkeys-") {
        return Some(format!(
            "Redis maxmemory-policy is {policy}: under memory pressure it may evict the product \
             database (db:* keys have no TTL); use volatile-lru"
        ));
    }
    if maxmemory == 0 {
        return Some(
            "Redis has no maxmemory: cache entries can use memory without bound; set maxmemory \
             with maxmemory-policy volatile-lru (scripts/redis-up.sh does)"
                .to_string(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ttl_keys_may_be_evicted() {
        let info = |text: &str| Info::parse(text);
        assert_eq!(
            policy_warning(&info(
                "maxmemory:268435456\nmaxmemory_policy:volatile-lru\n"
            )),
            None
        );
        assert_eq!(
            policy_warning(&info("maxmemory:268435456\nmaxmemory_policy:noeviction\n")),
            None
        );
        assert!(
            policy_warning(&info("maxmemory:268435456\nmaxmemory_policy:allkeys-lru\n"))
                .is_some_and(|w| w.contains("evict the product database"))
        );
        assert!(
            policy_warning(&info("maxmemory:0\nmaxmemory_policy:volatile-lru\n"))
                .is_some_and(|w| w.contains("no maxmemory"))
        );
    }
}
