//! Drives one connection once its first byte has come: hyper's connection
//! future, and the three things that end it before its peer does: the
//! server's shutdown (a graceful close), no request under way for the idle
//! timeout (a graceful close, then, after [`IDLE_GRACE`], a drop), and a
//! request head not read by hyper's deadline ([`super::clock`]).
//!
//! Every request wakes the connection's task. A `select!` over the four
//! would poll a shutdown receiver and a timer at each wake-up; here each
//! has a waker of its own that raises a flag, so a wake-up for the
//! connection polls the connection only. The one timer is lazy: armed for
//! the earliest thing due, it is moved earlier when something earlier
//! appears, and later only when it fires (deadlines that move later, as
//! each request's head deadline does, cost nothing until then).

use super::clock::Activity;
use futures::task::AtomicWaker;
use std::{
    future::Future,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    task::{Context, Poll, Wake, Waker},
    time::Duration,
};

/// How long an idle connection's graceful close may take before it is
/// dropped (HTTP/2 waits for the peer to acknowledge a ping, which a
/// hostile one never does).
const IDLE_GRACE: Duration = Duration::from_secs(2);

/// A connection hyper serves, closable gracefully.
pub(super) trait Connection: Future + Unpin {
    fn graceful_shutdown(&mut self);
}

/// A waker that raises its flag and wakes the connection's task.
struct Flag {
    raised: AtomicBool,
    task: Arc<AtomicWaker>,
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.raised.store(true, Ordering::Release);
        self.task.wake();
    }
}

impl Flag {
    /// A raised flag (so what it watches is polled once to register it),
    /// and its waker.
    fn raised(task: &Arc<AtomicWaker>) -> (Arc<Flag>, Waker) {
        let flag = Arc::new(Flag {
            raised: AtomicBool::new(true),
            task: task.clone(),
        });
        let waker = Waker::from(flag.clone());
        (flag, waker)
    }

    fn take(&self) -> bool {
        self.raised.swap(false, Ordering::Acquire)
    }
}

/// The connection and what may end it; resolves with the connection's end,
/// or `None` when an idle connection was dropped after its grace.
pub(super) struct Driven<C> {
    connection: C,
    activity: Arc<Activity>,
    idle: Duration,
    task: Arc<AtomicWaker>,
    stopping: Pin<Box<dyn Future<Output = ()> + Send>>,
    stop_flag: Arc<Flag>,
    stop_waker: Waker,
    timer: Pin<Box<tokio::time::Sleep>>,
    timer_flag: Arc<Flag>,
    timer_waker: Waker,
    /// What `timer` is armed for, ms after the connection began.
    armed_ms: u64,
    closing: bool,
    /// When an idle connection closing gracefully is dropped.
    drop_ms: Option<u64>,
}

impl<C: Connection> Driven<C> {
    /// `connection` until it ends, `stopping` resolves (then it finishes
    /// what it has), or it is idle for `idle`.
    pub(super) fn new(
        connection: C,
        activity: Arc<Activity>,
        idle: Duration,
        stopping: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        let task = Arc::new(AtomicWaker::new());
        let (stop_flag, stop_waker) = Flag::raised(&task);
        let (timer_flag, timer_waker) = Flag::raised(&task);
        let first = activity.idle_due(idle).unwrap_or(0);
        let timer = Box::pin(tokio::time::sleep_until(activity.at(first).into()));
        Driven {
            connection,
            activity,
            idle,
            task,
            stopping: Box::pin(stopping),
            stop_flag,
            stop_waker,
            timer,
            timer_flag,
            timer_waker,
            armed_ms: first,
            closing: false,
            drop_ms: None,
        }
    }

    /// The earliest of what is due (ms after the connection began).
    fn next_due(&self) -> u64 {
        let idle = (!self.closing)
            .then(|| self.activity.idle_due(self.idle))
            .flatten();
        // With a request under way the idle timeout is looked at again
        // after a whole idle period.
        let idle = idle.unwrap_or_else(|| {
            let idle_ms = u64::try_from(self.idle.as_millis()).unwrap_or(u64::MAX);
            self.activity.now_ms().saturating_add(idle_ms)
        });
        [Some(idle), self.activity.head_due(), self.drop_ms]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Arms the timer for `due`, and polls it so that it will wake us.
    fn arm(&mut self, due: u64) {
        self.armed_ms = due;
        self.timer.as_mut().reset(self.activity.at(due).into());
        let mut cx = Context::from_waker(&self.timer_waker);
        if self.timer.as_mut().poll(&mut cx).is_ready() {
            // Already due: looked at on the next poll.
            self.timer_flag.raised.store(true, Ordering::Release);
            self.task.wake();
        }
    }

    /// The timer fired: whatever is due is done. `true`: drop the
    /// connection now.
    fn fired(&mut self) -> bool {
        let now = self.activity.now_ms();
        if self.drop_ms.is_some_and(|at| at <= now) {
            return true;
        }
        if let Some(due) = self.activity.head_due().filter(|&due| due <= now) {
            // hyper finds its head timer ready when the connection is
            // polled next (below).
            self.activity.head_overdue(due);
        }
        if !self.closing
            && self
                .activity
                .idle_due(self.idle)
                .is_some_and(|due| due <= now)
        {
            self.connection.graceful_shutdown();
            self.closing = true;
            let grace = u64::try_from(IDLE_GRACE.as_millis()).unwrap_or(u64::MAX);
            self.drop_ms = Some(now.saturating_add(grace));
        }
        false
    }
}

impl<C: Connection> Future for Driven<C> {
    type Output = Option<C::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.task.register(cx.waker());
        if !this.closing && this.stop_flag.take() {
            let mut stop_cx = Context::from_waker(&this.stop_waker);
            if this.stopping.as_mut().poll(&mut stop_cx).is_ready() {
                this.connection.graceful_shutdown();
                this.closing = true;
            }
        }
        if this.timer_flag.take() {
            let mut timer_cx = Context::from_waker(&this.timer_waker);
            if this.timer.as_mut().poll(&mut timer_cx).is_ready() {
                if this.fired() {
                    return Poll::Ready(None);
                }
                let due = this.next_due();
                this.arm(due);
            }
        }
        if let Poll::Ready(ended) = Pin::new(&mut this.connection).poll(cx) {
            return Poll::Ready(Some(ended));
        }
        // hyper may have started a head deadline earlier than the timer.
        if let Some(due) = this.activity.head_due().filter(|&due| due < this.armed_ms) {
            this.arm(due);
        }
        Poll::Pending
    }
}
