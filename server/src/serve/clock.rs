//! The clock of one connection: when its last request ended, how many are
//! under way, and hyper's deadline for the request head it is reading, all
//! as milliseconds after the connection began, so the connection's one
//! timer ([`super::driver`]) can tell which is due without a timer of
//! its own for each.
//!
//! hyper starts a header-read timer for every request head. Its own timers
//! are tokio timers, each registered in and removed from tokio's timer
//! wheel (a lock each way) on every request; [`HeadTimer`] instead writes
//! the deadline here, and the connection's driver wakes hyper once it has
//! passed.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

/// No head deadline is running.
const NO_HEAD: u64 = u64::MAX;
/// The head deadline has passed: hyper's next poll of its timer is ready.
const HEAD_OVERDUE: u64 = 0;

/// Requests under way on one connection, when the last one ended, and the
/// deadline of the head being read.
pub(super) struct Activity {
    started: Instant,
    in_flight: AtomicUsize,
    /// ms after `started` of the last request's end (or of the first byte).
    last_ms: AtomicU64,
    /// ms after `started` (rounded up, at least 1) by which the head being
    /// read must be complete; [`NO_HEAD`] or [`HEAD_OVERDUE`].
    head_ms: AtomicU64,
}

/// One request under way; its end is activity.
pub(super) struct InFlight(Arc<Activity>);

impl Activity {
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Activity {
            started: Instant::now(),
            in_flight: AtomicUsize::new(0),
            last_ms: AtomicU64::new(0),
            head_ms: AtomicU64::new(NO_HEAD),
        })
    }

    /// ms since the connection began.
    pub(super) fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX - 1)
    }

    /// The instant `ms` after the connection began (at most a year on:
    /// "never" for a timer).
    pub(super) fn at(&self, ms: u64) -> Instant {
        const YEAR_MS: u64 = 365 * 24 * 3600 * 1000;
        self.started + Duration::from_millis(ms.min(YEAR_MS))
    }

    /// Notes activity now (a request's end; the first byte).
    pub(super) fn touch(&self) {
        self.last_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// A request begins. Its start is not written down: the connection is
    /// not idle while it is under way, and its end is.
    pub(super) fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.clone())
    }

    /// When the connection has been idle for `idle` (ms after it began),
    /// if no request is under way.
    pub(super) fn idle_due(&self, idle: Duration) -> Option<u64> {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return None;
        }
        let idle = u64::try_from(idle.as_millis()).unwrap_or(u64::MAX);
        Some(self.last_ms.load(Ordering::Relaxed).saturating_add(idle))
    }

    /// The running head deadline (ms after the connection began), if any.
    pub(super) fn head_due(&self) -> Option<u64> {
        match self.head_ms.load(Ordering::Relaxed) {
            NO_HEAD | HEAD_OVERDUE => None,
            due => Some(due),
        }
    }

    /// Tells hyper's head timer that `due` has passed, if it is still the
    /// running deadline.
    pub(super) fn head_overdue(&self, due: u64) {
        let _ =
            self.head_ms
                .compare_exchange(due, HEAD_OVERDUE, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// `deadline` as a head deadline: ms after the connection began,
    /// rounded up, at least 1 (0 is [`HEAD_OVERDUE`]).
    fn head_ms_of(&self, deadline: Instant) -> u64 {
        let offset = deadline.saturating_duration_since(self.started);
        let ms = offset.as_millis() + u128::from(!offset.subsec_nanos().is_multiple_of(1_000_000));
        u64::try_from(ms).unwrap_or(NO_HEAD - 1).max(1)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

/// hyper's timer for one HTTP/1 connection (hyper uses it for the
/// header-read timeout only): its sleeps are deadlines written into the
/// connection's [`Activity`], woken by the connection's driver.
pub(super) struct HeadTimer(pub(super) Arc<Activity>);

impl hyper::rt::Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        let due = self.0.head_ms_of(deadline);
        self.0.head_ms.store(due, Ordering::Relaxed);
        Box::pin(HeadSleep {
            activity: self.0.clone(),
            due,
        })
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<HeadSleep>() {
            Some(mut head) => {
                let due = self.0.head_ms_of(deadline);
                self.0.head_ms.store(due, Ordering::Relaxed);
                head.due = due;
            }
            None => *sleep = self.sleep_until(deadline),
        }
    }
}

/// A head deadline: ready once the driver has found it passed. Polled only
/// by hyper, inside the connection future the driver polls, so it needs no
/// waker of its own: the driver's timer is its wake-up.
struct HeadSleep {
    activity: Arc<Activity>,
    due: u64,
}

impl Future for HeadSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.activity.head_ms.load(Ordering::Relaxed) == HEAD_OVERDUE {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl hyper::rt::Sleep for HeadSleep {}

impl Drop for HeadSleep {
    fn drop(&mut self) {
        // The head was read (or the connection is gone): its deadline no
        // longer runs. A newer deadline written since is left alone.
        let slot = &self.activity.head_ms;
        if slot
            .compare_exchange(self.due, NO_HEAD, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            let _ =
                slot.compare_exchange(HEAD_OVERDUE, NO_HEAD, Ordering::Relaxed, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::rt::Timer;

    #[test]
    fn a_head_deadline_runs_from_its_sleep_until_its_drop() {
        let activity = Activity::new();
        let timer = HeadTimer(activity.clone());
        assert_eq!(activity.head_due(), None);
        let sleep = timer.sleep(Duration::from_millis(250));
        let due = activity.head_due().expect("running");
        assert!((250..=260).contains(&due), "{due}");
        drop(sleep);
        assert_eq!(activity.head_due(), None);
    }

    #[test]
    fn an_overdue_head_makes_hyper_s_sleep_ready() {
        let activity = Activity::new();
        let timer = HeadTimer(activity.clone());
        let mut sleep = timer.sleep(Duration::from_millis(5));
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(sleep.as_mut().poll(&mut cx).is_pending());
        let due = activity.head_due().expect("running");
        // A stale deadline is not marked overdue.
        activity.head_overdue(due + 1);
        assert!(sleep.as_mut().poll(&mut cx).is_pending());
        activity.head_overdue(due);
        assert!(sleep.as_mut().poll(&mut cx).is_ready());
        assert_eq!(activity.head_due(), None);
        drop(sleep);
        // The next head starts afresh.
        let mut next = timer.sleep(Duration::from_millis(5));
        assert!(next.as_mut().poll(&mut cx).is_pending());
    }

    #[test]
    fn a_reset_moves_the_deadline_in_place() {
        let activity = Activity::new();
        let timer = HeadTimer(activity.clone());
        let mut sleep = timer.sleep(Duration::from_millis(100));
        timer.reset(&mut sleep, Instant::now() + Duration::from_secs(5));
        let due = activity.head_due().expect("running");
        assert!(due >= 5_000, "{due}");
        drop(sleep);
        assert_eq!(activity.head_due(), None);
    }

    #[test]
    fn idle_is_due_only_without_a_request_under_way() {
        let activity = Activity::new();
        assert_eq!(activity.idle_due(Duration::from_millis(500)), Some(500));
        let request = activity.begin();
        assert_eq!(activity.idle_due(Duration::from_millis(500)), None);
        drop(request);
        assert!(activity.idle_due(Duration::from_millis(500)).is_some());
    }
}
