//! A response body of a few shared chunks, sent as they are (no copy into
//! one buffer) with its exact length, so hyper writes a `Content-Length`
//! and the chunks in one vectored write: a near hit's answer is the stored
//! product's JSON between a prefix and a few figures.

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::{
    collections::VecDeque,
    convert::Infallible,
    pin::Pin,
    task::{Context, Poll},
};

/// The chunks, in order.
pub struct Chunks(VecDeque<Bytes>);

impl Chunks {
    /// A body of `chunks`, in that order.
    pub fn new(chunks: impl IntoIterator<Item = Bytes>) -> Self {
        Chunks(chunks.into_iter().filter(|c| !c.is_empty()).collect())
    }
}

impl Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.pop_front().map(|chunk| Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.0.iter().map(|c| c.len() as u64).sum())
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
        let all = axum::body::to_bytes(axum::body::Body::new(body), 1024)
            .await
            .unwrap();
        assert_eq!(&all[..], b"{\"a\":1}");
    }
}
