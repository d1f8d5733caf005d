//! A response body of a few shared chunks, sent as they are (no copy into
//! one buffer) with its exact length, so hyper writes a `Content-Length`
//! and the chunks in one vectored write: a near hit's answer is the stored
//! product's JSON between a prefix and a few figures.

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::{
    convert::Infallible,
    pin::Pin,
    task::{Context, Poll},
};

/// `N` chunks, in order, held inline (no allocation of their own); the
/// ones before `next` are sent.
pub struct Chunks<const N: usize> {
    chunks: [Bytes; N],
    next: usize,
}

impl<const N: usize> Chunks<N> {
    /// A body of `chunks`, in that order (empty ones are skipped).
    pub fn new(chunks: [Bytes; N]) -> Self {
        Chunks { chunks, next: 0 }
    }

    /// The chunks not sent yet.
    fn left(&self) -> &[Bytes] {
        self.chunks.get(self.next..).unwrap_or_default()
    }
}

impl<const N: usize> Body for Chunks<N> {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        while let Some(chunk) = this.chunks.get_mut(this.next) {
            let chunk = std::mem::take(chunk);
            this.next += 1;
            if !chunk.is_empty() {
                return Poll::Ready(Some(Ok(Frame::data(chunk))));
            }
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.left().iter().all(Bytes::is_empty)
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left().iter().map(|c| c.len() as u64).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn chunks_are_sent_in_order_with_their_exact_length() {
        let body = Chunks::new([
            Bytes::from_static(b"{\"a\":"),
            Bytes::new(),
            Bytes::from("1}".to_string()),
        ]);
        assert_eq!(body.size_hint().exact(), Some(7));
        assert!(!body.is_end_stream());
        let all = axum::body::to_bytes(axum::body::Body::new(body), 1024)
            .await
            .unwrap();
        assert_eq!(&all[..], b"{\"a\":1}");
        let empty = Chunks::new([Bytes::new(), Bytes::new()]);
        assert!(empty.is_end_stream());
        assert_eq!(empty.size_hint().exact(), Some(0));
    }
}
