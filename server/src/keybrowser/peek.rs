//! One key's value, bounded where it is stored: a Lua script cuts every
//! element to [`MAX_ELEMENT_BYTES`] and stops once the answer holds
//! [`MAX_ANSWER_BYTES`] or [`MAX_ITEMS`] elements, and sends the true sizes
//! beside the cut parts. A list of fifty 1 MB elements thus costs the
//! network and this server ~64 KiB, never 50 MB.
//!
//! The script touches one key, passed in `KEYS` (Redis Cluster routes it),
//! and writes nothing, so it runs on a replica too.

use crate::topology::{Node, StoreError};
use app::types::{KeyItem, KeyType, MAX_ANSWER_BYTES, MAX_ELEMENT_BYTES, MAX_ITEMS};
use redis::{from_redis_value, Script, Value};
use std::sync::LazyLock;

/// `SSCAN`/`HSCAN` steps at most (a sparse set may give few per step).
const MAX_SCAN_STEPS: usize = 100;

/// KEYS[1]: the key. ARGV: element cut, answer budget, most elements, most
/// scan steps. Returns `{type}` for a missing key, `{'string', length,
/// first bytes}` for a string, else `{type, length, (field part, field
/// size or -1, value part, value size, score or ''), ...}`.
static PEEK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local key = KEYS[1]
local cut, budget = tonumber(ARGV[1]), tonumber(ARGV[2])
local most, steps = tonumber(ARGV[3]), tonumber(ARGV[4])
local kind = redis.call('TYPE', key)['ok']
if kind == 'none' then return {kind} end
if kind == 'string' then
  return {kind, redis.call('STRLEN', key), redis.call('GETRANGE', key, 0, budget - 1)}
end
local out = {kind, 0}
local used, shown = 0, 0
-- Adds one element; false once the answer is full.
local function add(field, value, score)
  local part = string.sub(value, 1, cut)
  local fpart, fsize = '', -1
  if field then fpart, fsize = string.sub(field, 1, cut), #field end
  local weight = #part + #fpart
  if shown > 0 and used + weight > budget then return false end
  used, shown = used + weight, shown + 1
  out[#out + 1] = fpart
  out[#out + 1] = fsize
  out[#out + 1] = part
  out[#out + 1] = #value
  out[#out + 1] = score or ''
  return shown < most
end
if kind == 'list' then
  out[2] = redis.call('LLEN', key)
  for i = 0, out[2] - 1 do
    if not add(nil, redis.call('LINDEX', key, i), nil) then break end
  end
elseif kind == 'zset' then
  out[2] = redis.call('ZCARD', key)
  for i = 0, out[2] - 1 do
    local pair = redis.call('ZRANGE', key, i, i, 'WITHSCORES')
    if #pair < 2 or not add(nil, pair[1], pair[2]) then break end
  end
elseif kind == 'set' or kind == 'hash' then
  local scan, width = 'SSCAN', 1
  if kind == 'set' then out[2] = redis.call('SCARD', key)
  else out[2] = redis.call('HLEN', key); scan, width = 'HSCAN', 2 end
  local cursor, going = '0', true
  for _ = 1, steps do
    local step = redis.call(scan, key, cursor, 'COUNT', 10)
    cursor = step[1]
    for i = 1, #step[2], width do
      if width == 1 then going = add(nil, step[2][i], nil)
      else going = add(step[2][i], step[2][i + 1], nil) end
      if not going then break end
    end
    if not going or cursor == '0' then break end
  end
elseif kind == 'stream' then
  out[2] = redis.call('XLEN', key)
end
return out
"#,
    )
});

/// What the script found.
#[derive(Debug, Clone, PartialEq)]
pub struct Peeked {
    /// The key's type.
    pub kind: KeyType,
    /// Strings: bytes; others: elements.
    pub length: u64,
    /// Strings: the first [`MAX_ANSWER_BYTES`].
    pub text: Option<String>,
    /// Others: the first elements, cut.
    pub items: Vec<KeyItem>,
}

impl Peeked {
    /// Whether anything of the value is not shown.
    pub fn truncated(&self) -> bool {
        match self.kind {
            KeyType::String => self.length as usize > MAX_ANSWER_BYTES,
            KeyType::Stream | KeyType::Other => self.length > 0 || self.kind == KeyType::Other,
            _ => self.length > self.items.len() as u64 || self.items.iter().any(|i| i.cut),
        }
    }
}

/// Reads `key` on `node`, bounded; `None` when it does not exist.
pub async fn peek(node: &Node, key: &str) -> Result<Option<Peeked>, StoreError> {
    let mut invocation = PEEK.key(key);
    invocation
        .arg(MAX_ELEMENT_BYTES)
        .arg(MAX_ANSWER_BYTES)
        .arg(MAX_ITEMS)
        .arg(MAX_SCAN_STEPS);
    let reply: Vec<Value> = node.script(&invocation).await?;
    Ok(parse(reply))
}

/// The script's reply as a [`Peeked`].
fn parse(reply: Vec<Value>) -> Option<Peeked> {
    let mut values = reply.into_iter();
    let kind = KeyType::from_reply(&string(values.next()?))?;
    let length = number(values.next()).max(0) as u64;
    if kind == KeyType::String {
        let bytes = bytes(values.next());
        let text = shown_text(&bytes, length as usize > bytes.len());
        return Some(Peeked {
            kind,
            length,
            text: Some(text),
            items: Vec::new(),
        });
    }
    let rest: Vec<Value> = values.collect();
    let items = rest
        .chunks_exact(5)
        .map(|five| {
            let field_part = bytes(Some(five[0].clone()));
            let field_size = number(Some(five[1].clone()));
            let value_part = bytes(Some(five[2].clone()));
            let value_size = number(Some(five[3].clone())).max(0) as u64;
            let score = string(five[4].clone());
            let field_cut = field_size > field_part.len() as i64;
            let value_cut = value_size > value_part.len() as u64;
            KeyItem {
                field: (field_size >= 0).then(|| shown_text(&field_part, field_cut)),
                value: shown_text(&value_part, value_cut),
                score: score.parse::<f64>().ok(),
                bytes: value_size,
                field_bytes: u64::try_from(field_size).ok(),
                cut: field_cut || value_cut,
            }
        })
        .collect();
    Some(Peeked {
        kind,
        length,
        text: None,
        items,
    })
}

/// Text of a shown part: a part that was cut loses the incomplete UTF-8
/// sequence the cut may have left at its end (rather than showing `�`);
/// other invalid bytes are shown as `�`.
fn shown_text(part: &[u8], cut: bool) -> String {
    let whole = match std::str::from_utf8(part) {
        Err(e) if cut && e.error_len().is_none() => &part[..e.valid_up_to()],
        _ => part,
    };
    String::from_utf8_lossy(whole).into_owned()
}

fn bytes(value: Option<Value>) -> Vec<u8> {
    value
        .and_then(|v| from_redis_value::<Vec<u8>>(v).ok())
        .unwrap_or_default()
}

fn string(value: Value) -> String {
    from_redis_value::<String>(value).unwrap_or_default()
}

fn number(value: Option<Value>) -> i64 {
    value
        .and_then(|v| from_redis_value::<i64>(v).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_never_leaves_half_a_character() {
        let euro = "€".as_bytes(); // three bytes
        assert_eq!(shown_text(&euro[..2], true), "");
        assert_eq!(shown_text(b"ab\xe2\x82", true), "ab");
        assert_eq!(shown_text(b"ab\xe2\x82", false), "ab\u{fffd}");
        assert_eq!(shown_text(b"a\xffb", true), "a\u{fffd}b");
    }

    #[test]
    fn replies_become_cut_items_with_true_sizes() {
        let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let reply = vec![
            bulk("hash"),
            Value::Int(3),
            bulk("f"),
            Value::Int(1),
            bulk("abc"),
            Value::Int(5000),
            bulk(""),
        ];
        let peeked = parse(reply).expect("a key");
        assert_eq!(peeked.kind, KeyType::Hash);
        assert_eq!(peeked.items.len(), 1);
        let item = &peeked.items[0];
        assert_eq!(item.field.as_deref(), Some("f"));
        assert_eq!(
            (item.bytes, item.field_bytes, item.cut),
            (5000, Some(1), true)
        );
        assert!(peeked.truncated());
        assert_eq!(parse(vec![bulk("none")]), None);
        let string = parse(vec![bulk("string"), Value::Int(2), bulk("hi")]).expect("a key");
        assert_eq!(
            (string.text.as_deref(), string.truncated()),
            (Some("hi"), false)
        );
    }
}
