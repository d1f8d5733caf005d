//! A short text written into a buffer on the stack: the `RateLimit` header
//! and the tail of a product answer, written on every hit, without
//! `format!` or a growable buffer's capacity checks at each part.

/// At most `N` bytes, written part by part. Each caller sizes `N` for its
/// longest text; a part that would go beyond `N` is cut there (never a
/// panic), which such a caller never meets.
pub struct StackText<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> StackText<N> {
    /// An empty text.
    pub const fn new() -> Self {
        StackText {
            bytes: [0; N],
            len: 0,
        }
    }

    /// Appends `part` (cut at `N` bytes).
    pub fn push(&mut self, part: &[u8]) {
        let room = N - self.len;
        let taken = part.len().min(room);
        self.bytes[self.len..self.len + taken].copy_from_slice(&part[..taken]);
        self.len += taken;
    }

    /// Appends `number` in decimal.
    pub fn push_u64(&mut self, number: u64) {
        self.push(itoa::Buffer::new().format(number).as_bytes());
    }

    /// The text so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl<const N: usize> Default for StackText<N> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_written_in_order_and_cut_at_the_capacity() {
        let mut text = StackText::<12>::new();
        text.push(b"r=");
        text.push_u64(1234);
        text.push(b";t=");
        assert_eq!(text.as_bytes(), b"r=1234;t=");
        text.push_u64(u64::MAX);
        assert_eq!(text.as_bytes(), b"r=1234;t=184");
        text.push(b"more");
        assert_eq!(text.as_bytes().len(), 12);
    }
}
