//! Replication offsets as `ROLE` reports them: a node's own, and the floor
//! a write's readers need once replicas confirmed it. Offsets of one
//! replication stream stay comparable through a failover (the promoted
//! replica continues the stream).

use redis::Value;

/// The replication offset in a `ROLE` answer: `["master", offset, ...]` or
/// `["slave", host, port, state, offset]`; `None` for anything else (a
/// replica still connecting has none to give).
pub fn role_offset(role: &Value) -> Option<u64> {
    let Value::Array(items) = role else {
        return None;
    };
    let word = match items.first()? {
        Value::BulkString(bytes) => bytes.as_slice(),
        Value::SimpleString(text) => text.as_bytes(),
        _ => return None,
    };
    let offset = match word {
        b"master" => items.get(1)?,
        b"slave" => items.get(4)?,
        _ => return None,
    };
    match offset {
        Value::Int(n) if *n >= 0 => Some(*n as u64),
        _ => None,
    }
}

/// The floor a write's readers need: once every replica confirmed the
/// write (`WAIT`), the lowest offset the master's `ROLE` lists for its
/// replicas already includes it, and is usually well below the master's own
/// offset (which runs on with other clients' writes); otherwise the master's
/// offset. So a replica that holds the write can answer for it even when
/// the master died just after.
pub fn write_floor(role: &Value, confirmed_by_all: bool) -> Option<u64> {
    let master = role_offset(role)?;
    if !confirmed_by_all {
        return Some(master);
    }
    let Value::Array(items) = role else {
        return Some(master);
    };
    let Some(Value::Array(replicas)) = items.get(2) else {
        return Some(master);
    };
    let acked = replicas.iter().map(|replica| match replica {
        Value::Array(fields) => match fields.get(2) {
            Some(Value::BulkString(text)) => std::str::from_utf8(text).ok()?.parse::<u64>().ok(),
            Some(Value::Int(n)) if *n >= 0 => Some(*n as u64),
            _ => None,
        },
        _ => None,
    });
    // An ack that cannot be read: the master's offset, never a guess.
    let lowest = match acked.collect::<Option<Vec<u64>>>() {
        Some(acks) => acks.into_iter().min().unwrap_or(master),
        None => master,
    };
    Some(lowest.min(master))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    #[test]
    fn offsets_are_read_from_both_roles() {
        let master = Value::Array(vec![
            bulk("master"),
            Value::Int(4_242),
            Value::Array(vec![]),
        ]);
        assert_eq!(role_offset(&master), Some(4_242));
        let replica = Value::Array(vec![
            bulk("slave"),
            bulk("10.0.0.1"),
            Value::Int(6379),
            bulk("connected"),
            Value::Int(4_000),
        ]);
        assert_eq!(role_offset(&replica), Some(4_000));
        let connecting = Value::Array(vec![
            bulk("slave"),
            bulk("10.0.0.1"),
            Value::Int(6379),
            bulk("connect"),
            Value::Int(-1),
        ]);
        assert_eq!(role_offset(&connecting), None);
        assert_eq!(role_offset(&Value::Nil), None);
    }

    #[test]
    fn a_write_confirmed_by_all_needs_only_what_the_slowest_replica_acked() {
        let role = |second: &str| {
            Value::Array(vec![
                bulk("master"),
                Value::Int(9_000),
                Value::Array(vec![
                    Value::Array(vec![bulk("10.0.0.2"), bulk("6379"), bulk("8100")]),
                    Value::Array(vec![bulk("10.0.0.3"), bulk("6379"), bulk(second)]),
                ]),
            ])
        };
        assert_eq!(write_floor(&role("8200"), true), Some(8_100));
        assert_eq!(write_floor(&role("8200"), false), Some(9_000));
        assert_eq!(write_floor(&role("?"), true), Some(9_000));
        assert_eq!(write_floor(&Value::Nil, true), None);
    }
}
