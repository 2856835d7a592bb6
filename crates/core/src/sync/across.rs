//! The cross-process half of a waitable object, the same for every kind.
//!
//! Each process has its own object (and wait queue) over the shared words.
//! Once shared with another process, a blocking waiter sleeps on the state
//! word itself (`os::wait`), counted in a sleepers word so that a waker in any
//! process knows to wake the word; queued waiters (async ones, and threads
//! parked before the object was shared) stay in their process's queue, whose
//! count (kept in the shared memory by the queue) tells a waker that woke
//! nobody here to ring the program's doorbell for the other processes'
//! relays (see `relay`).

use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicU32};
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::relay::{self, RemoteWaiters};
use crate::shim::AtomicI32;
use crate::SharedMemory;

pub(crate) struct Across {
  shared: AtomicBool,
  /// Word indexes in the object's memory: the state, the count of sleepers,
  /// and the count its wait queues keep of queued waiters in every process.
  state: usize,
  sleepers: usize,
  queued: usize,
}

impl Across {
  /// For an object whose state word is `state`, whose blocking waiters of
  /// other processes are counted in word `sleepers`, and whose wait queues
  /// count their waiters in word `queued`.
  pub(crate) fn new(state: usize, sleepers: usize, queued: usize) -> Self {
    Self { shared: AtomicBool::new(false), state, sleepers, queued }
  }

  pub(crate) fn is_shared(&self) -> bool {
    self.shared.load(SeqCst)
  }

  /// From now on shared across processes; `object`'s queued waiters here get
  /// the relay's wake-ups.
  pub(crate) fn share(&self, object: Weak<dyn RemoteWaiters>) {
    if !self.shared.swap(true, SeqCst) {
      relay::watch(object);
    }
  }

  /// Sleeps while the state word holds `expected`, at most `limit`.
  pub(crate) fn sleep(&self, memory: &SharedMemory, expected: i32, limit: Duration) {
    let sleepers = memory.word(self.sleepers);
    sleepers.fetch_add(1, SeqCst);
    if memory.word(self.state).load(SeqCst) == expected {
      crate::os::wait(bits(memory.word(self.state)), expected as u32, Some(limit));
    }
    sleepers.fetch_sub(1, SeqCst);
  }

  pub(crate) fn has_sleepers(&self, memory: &SharedMemory) -> bool {
    memory.word(self.sleepers).load(SeqCst) > 0
  }

  /// After a change: wakes up to `count` sleepers (`os::WAKE_ALL`: all), and
  /// rings the doorbell if nobody here was woken (`woken_here`) while more
  /// waiters are queued than this process's queue holds (`queued_here`).
  pub(crate) fn wake(&self, memory: &SharedMemory, count: u32, woken_here: usize, queued_here: usize) {
    if self.has_sleepers(memory) {
      crate::os::wake(bits(memory.word(self.state)), count);
    }
    if woken_here == 0 && memory.word(self.queued).load(SeqCst) as usize > queued_here {
      relay::ring();
    }
  }
}

/// The memory of an object another process located, checked to hold at least
/// `len` bytes (`what`: "a lock"...).
pub(crate) fn attach_memory(location: &crate::Location, len: usize, what: &str) -> std::io::Result<Arc<SharedMemory>> {
  let memory = SharedMemory::attach(location)?;
  if memory.len() < len {
    return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("not {what}'s memory")));
  }
  Ok(Arc::new(memory))
}

/// The word as the OS wait sees it.
fn bits(word: &AtomicI32) -> &AtomicU32 {
  // SAFETY: the same 4 aligned bytes, only ever accessed atomically.
  unsafe { &*(word as *const AtomicI32 as *const AtomicU32) }
}

/// `Arc<T>` as the relay's weak reference.
pub(crate) fn watched<T: RemoteWaiters + 'static>(object: &Arc<T>) -> Weak<dyn RemoteWaiters> {
  Arc::downgrade(object) as Weak<dyn RemoteWaiters>
}
