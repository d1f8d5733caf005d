//! Parts of the page whose code loads after hydration, counted so the
//! page's `data-hydrated` mark waits for them too.

use leptos::prelude::*;

/// Parts of the page whose code loads after hydration (the search page's
/// panels): `data-hydrated` waits for them too.
#[derive(Clone, Copy)]
pub struct LoadingParts(RwSignal<u32>);

impl LoadingParts {
    /// None loading yet.
    pub fn new() -> Self {
        LoadingParts(RwSignal::new(0))
    }

    /// How many parts are still loading.
    pub fn count(self) -> u32 {
        self.0.get()
    }

    /// Counts one part as loading until `done` turns true (or the part goes away).
    pub fn start(self, done: RwSignal<bool>) {
        if done.get_untracked() {
            return;
        }
        let LoadingParts(count) = self;
        count.update(|n| *n += 1);
        let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let finish = move || {
            if !finished.swap(true, std::sync::atomic::Ordering::Relaxed) {
                count.try_update(|n| *n = n.saturating_sub(1));
            }
        };
        Effect::new({
            let finish = finish.clone();
            move |_| {
                if done.get() {
                    finish();
                }
            }
        });
        on_cleanup(finish);
    }
}

impl Default for LoadingParts {
    fn default() -> Self {
        LoadingParts::new()
    }
}
