use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::Instant;

use super::{AsyncCallback, Outcome, Parked, Started, WaitQueue};
use crate::SharedMemory;

/// Python's `Event`: a flag (word 0) that waiters wait to see set. Word 1
/// counts blocking waiters of other processes asleep on the flag, word 2 the
/// queued waiters of every process (see `super::across`).
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
  #[cfg(not(loom))]
  across: super::across::Across,
}

const FLAG: usize = 0;
#[cfg_attr(loom, allow(dead_code))]
const SLEEPERS: usize = 1;
const QUEUED: usize = 2;

impl Default for Event {
  fn default() -> Self {
    Self::new()
  }
}

impl Event {
  pub fn new() -> Self {
    Self::over(Arc::new(SharedMemory::zeroed(16)))
  }

  fn over(memory: Arc<SharedMemory>) -> Self {
    Self {
      waiters: WaitQueue::counting_in(memory.clone(), QUEUED),
      memory,
      #[cfg(not(loom))]
      across: super::across::Across::new(FLAG, SLEEPERS, QUEUED),
    }
  }

  /// This process's side of an event another process [located](Event::locate).
  #[cfg(not(loom))]
  pub fn attach(location: &crate::Location) -> std::io::Result<Arc<Self>> {
    let event = Arc::new(Self::over(super::across::attach_memory(location, 16, "an event")?));
    event.across.share(super::across::watched(&event));
    Ok(event)
  }

  /// Where another process attaches this event; from then on shared across processes.
  #[cfg(not(loom))]
  pub fn locate(self: &Arc<Self>) -> crate::Location {
    self.across.share(super::across::watched(self));
    self.memory.locate()
  }

  pub fn memory(&self) -> &Arc<SharedMemory> {
    &self.memory
  }

  pub fn is_set(&self) -> bool {
    self.memory.word(FLAG).load(SeqCst) != 0
  }

  pub fn set(&self) {
    self
      .waiters
      .wake_all(|| self.memory.word(FLAG).store(1, SeqCst), Outcome::Woken);
    #[cfg(not(loom))]
    if self.across.is_shared() {
      // Every waiter, everywhere: ring whenever others are queued.
      self.across.wake(&self.memory, crate::os::WAKE_ALL, 0, self.waiters.len());
    }
  }

  pub fn clear(&self) {
    self.memory.word(FLAG).store(0, SeqCst);
  }

  /// True once set; false if `until` passed first.
  pub fn wait_until(&self, until: Instant) -> bool {
    #[cfg(not(loom))]
    if self.across.is_shared() {
      loop {
        if self.is_set() {
          return true;
        }
        let now = Instant::now();
        if now >= until {
          return false;
        }
        self.across.sleep(&self.memory, 0, until - now);
      }
    }
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

#[cfg(not(loom))]
impl super::relay::RemoteWaiters for Event {
  fn has_waiters(&self) -> bool {
    !self.waiters.is_empty()
  }

  fn retry(&self) {
    if self.is_set() {
      self.waiters.wake_all(|| {}, Outcome::Woken);
    }
  }
}

#[cfg(all(test, target_os = "linux", not(loom)))]
mod across_processes {
  use super::*;
  use crate::forked::{exit_code, fork};
  use std::sync::mpsc;
  use std::time::Duration;

  #[test]
  fn a_set_here_wakes_a_blocked_waiter_in_another_process_and_the_reverse_for_an_async_one() {
    let event = Arc::new(Event::new());
    let at = event.locate();
    let back = Arc::new(Event::new());
    let at_back = back.locate();
    let (tx, rx) = mpsc::channel();
    let started = back.wait_async(Box::new(move |outcome| tx.send(outcome).is_ok()));
    assert!(matches!(started, Started::Queued(_)));
    let child = fork(move || {
      let (event, back) = (Event::attach(&at).unwrap(), Event::attach(&at_back).unwrap());
      let t0 = Instant::now();
      // A lost wake-up would keep it asleep for the whole 20 s.
      if !event.wait_until(Instant::now() + Duration::from_secs(20)) || t0.elapsed() > Duration::from_secs(10) {
        return 2;
      }
      back.set();
      0
    });
    std::thread::sleep(Duration::from_millis(50));
    event.set();
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(Outcome::Woken), "the child's set reached the async waiter here");
    assert_eq!(exit_code(child), 0);
  }
}
