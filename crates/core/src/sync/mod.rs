//! Synchronization primitives with Python's semantics, shared by every thread.
//!
//! Each keeps its state in [`SharedMemory`](crate::SharedMemory) words that JS
//! reads and writes with `Atomics` on a view (so an uncontended `Lock` costs no
//! native call), and parks waiters in a [`WaitQueue`]: threads blocked in a
//! `*Sync` call, and async waiters whose outcome is delivered to their event
//! loop. Blocking waits run in slices (`until`) so a worker thread returns to
//! JS regularly and stays terminable.

#[cfg(not(loom))]
mod across;
mod barrier;
mod condition;
mod event;
mod lock;
#[cfg(all(test, loom))]
mod loom_models;
pub mod owner;
#[cfg(not(loom))]
mod relay;
mod semaphore;
mod wait_queue;

pub use barrier::{Arrival, Barrier, BrokenBarrier};
pub use condition::Condition;
pub use event::Event;
pub use lock::{Lock, NotLocked, CONTENDED};
pub use semaphore::{Semaphore, TooManyReleases};
pub use wait_queue::{AsyncCallback, Decision, Head, Outcome, Parked, Ticket, WaitQueue};

/// The result of a blocking wait slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acquire {
  Acquired,
  /// `until` passed: the caller retries with the time it has left, or gives up.
  Elapsed,
}

/// The result of starting an async wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
  /// Done at once; the callback was dropped without being called.
  Ready,
  /// Queued under this id (for `cancel`); the callback will be called once.
  Queued(u64),
}
