//! Polls a connection's quiet event sources only when they signalled.
//!
//! A connection's task wakes for every live message, and `select!` then polls every branch:
//! the socket's read half (through the upgrade's wrappers and the split lock), the shutdown
//! watch and the heartbeat timer, and the socket's write half when it is full. At 1,000
//! clients × 100 msg/s those polls of sources that had nothing to say were about 5% of the
//! core. A [`Gate`] hands each such source a waker of its own, which marks the source and then
//! wakes the task, and [`Gate::poll`] skips the source until that mark is set.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::task::{Context, Poll, RawWakerVTable, Wake, Waker};

use futures::task::AtomicWaker;

/// Whether a source woke since it was last polled, and the task to wake when it does.
#[derive(Debug)]
struct Signal {
    woken: AtomicBool,
    task: AtomicWaker,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake();
    }
}

/// One event source's gate. Starts open, so the source is polled once and registers.
#[derive(Debug)]
pub(super) struct Gate {
    signal: Arc<Signal>,
    waker: Waker,
    /// The task waker that is registered and not yet taken by a wake (its data and vtable
    /// pointers), or nulls. While it is the polling task's and nothing signalled, a poll
    /// touches only plain loads: registering again on every poll was two atomic
    /// read-modify-writes per gate, and a connection polls its gates two or three times per
    /// delivery.
    registered: (AtomicPtr<()>, AtomicPtr<RawWakerVTable>),
}

impl Default for Gate {
    fn default() -> Self {
        let signal = Arc::new(Signal {
            woken: AtomicBool::new(true),
            task: AtomicWaker::new(),
        });
        Self {
            waker: Waker::from(signal.clone()),
            signal,
            registered: (
                AtomicPtr::new(std::ptr::null_mut()),
                AtomicPtr::new(std::ptr::null_mut()),
            ),
        }
    }
}

impl Gate {
    /// Makes the next [`Self::poll`] poll its source, as after a reset of a timer: the source
    /// must register anew.
    pub(super) fn open(&self) {
        self.signal.woken.store(true, Ordering::Release);
    }

    /// Polls `source` if it signalled since its last poll (or the gate was opened), with the
    /// gate's own waker; otherwise `Pending` without touching it. A source that was ready is
    /// polled again next time: it may have more (frames already buffered, for one).
    pub(super) fn poll<T>(
        &self,
        cx: &mut Context<'_>,
        source: impl FnOnce(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        let task = cx.waker();
        // A wake marks `woken` before it takes the registered waker, so while `woken` is clear
        // the registration this gate made is still in place.
        if !self.signal.woken.load(Ordering::Acquire) && self.is_registered(task) {
            return Poll::Pending;
        }
        self.signal.task.register(task);
        self.set_registered(
            task.data().cast_mut(),
            std::ptr::from_ref(task.vtable()).cast_mut(),
        );
        if !self.signal.woken.swap(false, Ordering::AcqRel) {
            return Poll::Pending;
        }
        // The wake this consumed may have taken the registration just made.
        self.set_registered(std::ptr::null_mut(), std::ptr::null_mut());
        let polled = source(&mut Context::from_waker(&self.waker));
        if polled.is_ready() {
            self.open();
        }
        polled
    }

    fn is_registered(&self, task: &Waker) -> bool {
        let (data, vtable) = &self.registered;
        let vtable = vtable.load(Ordering::Relaxed);
        !vtable.is_null()
            && std::ptr::eq(vtable, task.vtable())
            && std::ptr::eq(data.load(Ordering::Relaxed), task.data())
    }

    fn set_registered(&self, data: *mut (), vtable: *mut RawWakerVTable) {
        self.registered.0.store(data, Ordering::Relaxed);
        self.registered.1.store(vtable, Ordering::Relaxed);
    }

    /// [`Self::poll`] as a future, for `select!`.
    pub(super) fn wait<'a, T>(
        &'a self,
        mut source: impl FnMut(&mut Context<'_>) -> Poll<T> + 'a,
    ) -> impl Future<Output = T> + 'a {
        std::future::poll_fn(move |cx| self.poll(cx, &mut source))
    }
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// Counts its polls; ready once `ready` is set, and keeps the last waker it was given.
    #[derive(Default)]
    struct Source {
        polls: AtomicUsize,
        ready: AtomicBool,
        waker: std::sync::Mutex<Option<Waker>>,
    }

    struct Polled<'a>(&'a Source);

    impl Future for Polled<'_> {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.0.polls.fetch_add(1, Ordering::Relaxed);
            if self.0.ready.load(Ordering::Relaxed) {
                return Poll::Ready(());
            }
            *self.0.waker.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    #[derive(Default)]
    struct Task(AtomicUsize);

    impl Wake for Task {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A gate in front of a test source, polled by one test task.
    struct Probe {
        task: Arc<Task>,
        waker: Waker,
        gate: Gate,
        source: Source,
    }

    impl Probe {
        fn new() -> Self {
            let task = Arc::new(Task::default());
            Self {
                waker: Waker::from(task.clone()),
                task,
                gate: Gate::default(),
                source: Source::default(),
            }
        }

        /// Polls the source through the gate, as the probe's task.
        fn poll(&self) -> Poll<()> {
            self.poll_as(&self.waker)
        }

        fn poll_as(&self, task: &Waker) -> Poll<()> {
            let mut cx = Context::from_waker(task);
            self.gate
                .poll(&mut cx, |cx| Pin::new(&mut Polled(&self.source)).poll(cx))
        }

        /// Fires the waker the source was last given.
        fn signal(&self) {
            self.source.waker.lock().unwrap().take().unwrap().wake();
        }

        fn wakes(&self) -> usize {
            self.task.0.load(Ordering::Relaxed)
        }

        fn source_polls(&self) -> usize {
            self.source.polls.load(Ordering::Relaxed)
        }
    }

    #[test]
    fn a_source_is_polled_only_after_its_own_waker_fired() {
        let probe = Probe::new();
        assert!(probe.poll().is_pending());
        assert_eq!(probe.source_polls(), 1, "open at first");
        for _ in 0..3 {
            assert!(probe.poll().is_pending());
        }
        assert_eq!(probe.source_polls(), 1, "not polled while quiet");

        probe.source.ready.store(true, Ordering::Relaxed);
        probe.signal();
        assert_eq!(probe.wakes(), 1, "its signal wakes the task");
        assert!(probe.poll().is_ready());
        assert!(probe.poll().is_ready(), "ready sources are polled again");
        assert_eq!(probe.source_polls(), 3);
    }

    #[test]
    fn every_signal_wakes_the_task_though_quiet_polls_do_not_register_again() {
        let probe = Probe::new();
        assert!(probe.poll().is_pending());
        for round in 1..=3 {
            // The wake takes the registration; the poll it causes must make a new one.
            probe.signal();
            assert_eq!(probe.wakes(), round);
            assert!(probe.poll().is_pending());
            assert!(probe.poll().is_pending());
        }
    }

    #[test]
    fn a_wake_that_lands_during_a_poll_leaves_the_task_registered() {
        let probe = Probe::new();
        assert!(probe.poll().is_pending());
        // Another thread's wake, cut in two around a poll: it marks the gate before the poll
        // registers, and takes that fresh registration after the poll consumed the mark.
        probe.gate.signal.woken.store(true, Ordering::Release);
        assert!(probe.poll().is_pending());
        probe.gate.signal.task.wake();
        assert_eq!(probe.wakes(), 1);
        assert!(probe.poll().is_pending());
        probe.signal();
        assert_eq!(probe.wakes(), 2, "the source's next signal was lost");
    }

    #[test]
    fn a_gate_polled_by_another_task_wakes_that_task() {
        let probe = Probe::new();
        let other = Arc::new(Task::default());
        assert!(probe.poll().is_pending());
        assert!(probe.poll_as(&Waker::from(other.clone())).is_pending());
        probe.signal();
        assert_eq!(probe.wakes(), 0);
        assert_eq!(other.0.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn opening_the_gate_polls_the_source_once_more() {
        let probe = Probe::new();
        assert!(probe.poll().is_pending());
        probe.gate.open();
        assert!(probe.poll().is_pending());
        assert!(probe.poll().is_pending());
        assert_eq!(probe.source_polls(), 2);
    }
}
