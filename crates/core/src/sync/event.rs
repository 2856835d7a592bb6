use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::Instant;

use super::{AsyncCallback, Outcome, Parked, Started, WaitQueue};
use crate::SharedMemory;

/// Python's `Event`: a flag (word 0) that waiters wait to see set.
///
/// ```
/// use std::time::{Duration, Instant};
/// use multiproc_core::sync::Event;
///
/// let event = Event::new();
/// assert!(!event.wait_until(Instant::now() + Duration::from_millis(1)));
/// event.set();
/// assert!(event.wait_until(Instant::now()));
/// ```
pub struct Event {
  memory: Arc<SharedMemory>,
  waiters: WaitQueue,
}

impl Default for Event {
  fn default() -> Self {
    Self::new()
  }
}

impl Event {
  pub fn new() -> Self {
    Self {
      memory: Arc::new(SharedMemory::zeroed(8)),
      waiters: WaitQueue::new(),
    }
  }

  pub fn memory(&self) -> &Arc<SharedMemory> {
    &self.memory
  }

  pub fn is_set(&self) -> bool {
    self.memory.word(0).load(SeqCst) != 0
  }

  pub fn set(&self) {
    self
      .waiters
      .wake_all(|| self.memory.word(0).store(1, SeqCst), Outcome::Woken);
  }

  pub fn clear(&self) {
    self.memory.word(0).store(0, SeqCst);
  }

  /// True once set; false if `until` passed first.
  pub fn wait_until(&self, until: Instant) -> bool {
    self.waiters.park(|| !self.is_set(), until) != Parked::Elapsed
  }

  pub fn wait_async(&self, callback: AsyncCallback) -> Started {
    match self.waiters.enqueue(|| !self.is_set(), callback) {
      Some(id) => Started::Queued(id),
      None => Started::Ready,
    }
  }

  pub fn cancel(&self, id: u64) -> bool {
    self.waiters.remove(id)
  }
}
