//! Checks that the product database's indexes agree with its records, by
//! reading the whole keyspace with SCAN (tests only).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Every stored product by id, as JSON.
pub async fn products(conn: &mut redis::aio::MultiplexedConnection) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for key in scan(conn, "db:product:*").await {
        let json: String = redis::cmd("GET")
            .arg(&key)
            .query_async(conn)
            .await
            .expect("GET");
        let id = key.trim_start_matches("db:product:").to_string();
        out.insert(id, serde_json::from_str(&json).expect("stored JSON parses"));
    }
    out
}

/// All keys matching `pattern`, via SCAN.
pub async fn scan(conn: &mut redis::aio::MultiplexedConnection, pattern: &str) -> BTreeSet<String> {
    let mut cursor = 0u64;
    let mut keys = BTreeSet::new();
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(conn)
            .await
            .expect("SCAN");
        keys.extend(batch);
        if next == 0 {
            return keys;
        }
        cursor = next;
    }
}

async fn smembers(conn: &mut redis::aio::MultiplexedConnection, key: &str) -> BTreeSet<String> {
    redis::cmd("SMEMBERS")
        .arg(key)
        .query_async(conn)
        .await
        .expect("SMEMBERS")
}

async fn zscores(conn: &mut redis::aio::MultiplexedConnection, key: &str) -> BTreeMap<String, f64> {
    let pairs: Vec<(String, f64)> = redis::cmd("ZRANGE")
        .arg(key)
        .arg(0)
        .arg(-1)
        .arg("WITHSCORES")
        .query_async(conn)
        .await
        .expect("ZRANGE");
    pairs.into_iter().collect()
}

/// Asserts every index agrees with the records; returns the products.
pub async fn assert_consistent(
    conn: &mut redis::aio::MultiplexedConnection,
) -> BTreeMap<String, Value> {
    let products = products(conn).await;
    let ids: BTreeSet<String> = products.keys().cloned().collect();
    assert_eq!(
        smembers(conn, "db:products").await,
        ids,
        "db:products == records"
    );

    let by_price = zscores(conn, "db:products:by_price").await;
    assert_eq!(
        by_price.keys().cloned().collect::<BTreeSet<_>>(),
        ids,
        "by_price ids"
    );
    let mut expected_categories: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, product) in &products {
        assert_eq!(product["id"], id.as_str(), "record id matches its key");
        let price = product["price"].as_f64().expect("price");
        assert_eq!(by_price[id], price, "by_price score of {id}");
        let category = product["category"].as_str().expect("category").to_string();
        expected_categories
            .entry(category)
            .or_default()
            .insert(id.clone());
    }

    let category_keys = scan(conn, "db:category:*").await;
    let actual_names: BTreeSet<String> = category_keys
        .iter()
        .map(|k| k.trim_start_matches("db:category:").to_string())
        .collect();
    assert_eq!(
        actual_names,
        expected_categories.keys().cloned().collect(),
        "category sets exist exactly for used categories"
    );
    assert_eq!(
        smembers(conn, "db:idx:categories").await,
        expected_categories.keys().cloned().collect(),
        "category name index"
    );
    for (category, members) in &expected_categories {
        assert_eq!(
            &smembers(conn, &format!("db:category:{category}")).await,
            members,
            "{category}"
        );
        let scores = zscores(conn, &format!("db:idx:category_price:{category}")).await;
        assert_eq!(
            &scores.keys().cloned().collect::<BTreeSet<_>>(),
            members,
            "{category} by price"
        );
        for (id, score) in scores {
            assert_eq!(
                Some(score),
                products[&id]["price"].as_f64(),
                "{category} score of {id}"
            );
        }
    }
    // The word index: each product's words, and each word's products.
    let mut expected_words: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, product) in &products {
        let product: app::types::Product =
            serde_json::from_value(product.clone()).expect("a stored product");
        let words: BTreeSet<String> = cachescope::catalog::words::product_words(&product)
            .into_iter()
            .collect();
        assert_eq!(
            smembers(conn, &format!("db:idx:product_words:{id}")).await,
            words,
            "words of {id}"
        );
        for word in words {
            expected_words.entry(word).or_default().insert(id.clone());
        }
    }
    let word_keys: BTreeSet<String> = scan(conn, "db:idx:word:*")
        .await
        .iter()
        .map(|k| k.trim_start_matches("db:idx:word:").to_string())
        .collect();
    assert_eq!(
        word_keys,
        expected_words.keys().cloned().collect(),
        "word sets exist exactly for used words"
    );
    for (word, ids) in &expected_words {
        assert_eq!(
            &smembers(conn, &format!("db:idx:word:{word}")).await,
            ids,
            "products of {word:?}"
        );
    }
    let word_lists = scan(conn, "db:idx:product_words:*").await;
    assert_eq!(word_lists.len(), products.len(), "no stale word list");
    let price_indexes = scan(conn, "db:idx:category_price:*").await;
    assert_eq!(
        price_indexes.len(),
        expected_categories.len(),
        "no stale category price index"
    );
    products
}
