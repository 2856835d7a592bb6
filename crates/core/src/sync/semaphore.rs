use crate::shim::AtomicI32;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::Instant;

use super::{Acquire, AsyncCallback, Decision, Outcome, Parked, Started, WaitQueue};
use crate::SharedMemory;

/// `release` past a `BoundedSemaphore`'s initial value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyReleases;

/// A counting semaphore; with a bound it is Python's `BoundedSemaphore`.
/// Word 0 holds the value, so JS can read it (`getValue`) without a native call.
///
/// ```
/// use multiproc_core::sync::Semaphore;
///
/// let s = Semaphore::new(1, Some(1));
/// assert!(s.try_acquire());
/// assert!(!s.try_acquire());
/// s.release(1).unwrap();
/// assert!(s.release(1).is_err()); // above the bound
/// ```
pub struct Semaphore {
  memory: Arc<SharedMemory>,
  bound: Option<i32>,
  waiters: WaitQueue,
}

impl Semaphore {
  pub fn new(value: i32, bound: Option<i32>) -> Self {
    let memory = Arc::new(SharedMemory::zeroed(8));
    memory.word(0).store(value, SeqCst);
    Self {
      memory,
      bound,
      waiters: WaitQueue::new(),
    }
  }

  pub fn memory(&self) -> &Arc<SharedMemory> {
    &self.memory
  }

  fn value_word(&self) -> &AtomicI32 {
    self.memory.word(0)
  }

  pub fn value(&self) -> i32 {
    self.value_word().load(SeqCst)
  }

  pub fn try_acquire(&self) -> bool {
    let value = self.value_word();
    let mut current = value.load(SeqCst);
    while current > 0 {
      match value.compare_exchange(current, current - 1, SeqCst, SeqCst) {
        Ok(_) => return true,
        Err(seen) => current = seen,
      }
    }
    false
  }

  pub fn acquire_until(&self, until: Instant) -> Acquire {
    loop {
      if self.try_acquire() {
        return Acquire::Acquired;
      }
      if self.waiters.park(|| self.value() <= 0, until) == Parked::Elapsed {
        return Acquire::Elapsed;
      }
    }
  }

  /// Acquires now, or queues `callback`, called once a unit was taken for it.
  pub fn acquire_async(&self, callback: AsyncCallback) -> Started {
    match self.waiters.enqueue(|| !self.try_acquire(), callback) {
      Some(id) => Started::Queued(id),
      None => Started::Ready,
    }
  }

  pub fn cancel(&self, id: u64) -> bool {
    self.waiters.remove(id)
  }

  pub fn release(&self, n: i32) -> Result<(), TooManyReleases> {
    let value = self.value_word();
    let mut current = value.load(SeqCst);
    loop {
      if self.bound.is_some_and(|bound| current + n > bound) {
        return Err(TooManyReleases);
      }
      match value.compare_exchange(current, current + n, SeqCst, SeqCst) {
        Ok(_) => break,
        Err(seen) => current = seen,
      }
    }
    self.waiters.wake_with(
      n as usize,
      || {},
      |head| {
        if !head.is_async || self.try_acquire() {
          Decision::Deliver(Outcome::Woken)
        } else {
          Decision::Stop
        }
      },
      |_| {
        value.fetch_add(1, SeqCst);
      },
    );
    Ok(())
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::atomic::AtomicUsize;
  use std::time::Duration;

  /// At most `permits` threads are ever inside at once, and nobody starves.
  #[test]
  fn never_more_holders_than_permits() {
    let semaphore = Semaphore::new(2, Some(2));
    let inside = AtomicUsize::new(0);
    let most = AtomicUsize::new(0);
    std::thread::scope(|s| {
      for _ in 0..6 {
        s.spawn(|| {
          for _ in 0..2_000 {
            assert_eq!(
              semaphore.acquire_until(Instant::now() + Duration::from_secs(30)),
              Acquire::Acquired
            );
            let now = inside.fetch_add(1, SeqCst) + 1;
            most.fetch_max(now, SeqCst);
            inside.fetch_sub(1, SeqCst);
            semaphore.release(1).unwrap();
          }
        });
      }
    });
    assert!(most.load(SeqCst) <= 2);
    assert_eq!(semaphore.value(), 2);
  }

  #[test]
  fn async_waiter_receives_a_unit() {
    let semaphore = Semaphore::new(0, None);
    let got = Arc::new(AtomicUsize::new(0));
    let seen = got.clone();
    semaphore.acquire_async(Box::new(move |_| {
      seen.fetch_add(1, SeqCst);
      true
    }));
    semaphore.release(1).unwrap();
    assert_eq!(got.load(SeqCst), 1);
    assert_eq!(semaphore.value(), 0, "the unit went to the waiter");
  }
}
