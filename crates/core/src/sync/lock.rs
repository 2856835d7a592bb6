use std::sync::atomic::Ordering::{Acquire as Acq, Relaxed, Release, SeqCst};
use std::sync::Arc;
use std::time::Instant;

use super::{Acquire, AsyncCallback, Decision, Outcome, Parked, Started, WaitQueue};
use crate::SharedMemory;

const UNLOCKED: i32 = 0;
const LOCKED: i32 = 1;
/// Locked, and someone may be waiting: the releaser must wake a waiter.
const CONTENDED: i32 = 2;

/// Word 0 is the lock state; words 1 and 2 are free for the JS side (RLock
/// keeps its owner and count there); word 3 is the wait queue's count of the
/// waiters parked or queued, so a releaser that finds the lock contended
/// calls [`Lock::wake`] only if someone actually waits.
pub const LOCK_WORDS: usize = 4;
const WAITERS: usize = 3;

/// `release` of a lock nobody holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotLocked;

/// A non-reentrant lock any thread may release (Python's `Lock`), as the
/// classic three-state futex mutex. JS takes and releases it on the fast path
/// with `Atomics.compareExchange(state, 0, 1)` / `Atomics.exchange(state, 0)`,
/// calling into the core only to wait, or to wake when the old state was 2.
///
/// ```
/// use multiproc_core::sync::Lock;
///
/// let lock = Lock::new();
/// assert!(lock.try_acquire());
/// assert!(!lock.try_acquire());
/// lock.release().unwrap();
/// assert!(lock.release().is_err());
/// ```
pub struct Lock {
  memory: Arc<SharedMemory>,
  waiters: WaitQueue,
}

impl Default for Lock {
  fn default() -> Self {
    Self::new()
  }
}

impl Lock {
  pub fn new() -> Self {
    let memory = Arc::new(SharedMemory::zeroed(LOCK_WORDS * 4));
    Self {
      waiters: WaitQueue::counting_in(memory.clone(), WAITERS),
      memory,
    }
  }

  pub fn memory(&self) -> &Arc<SharedMemory> {
    &self.memory
  }

  fn state(&self) -> &std::sync::atomic::AtomicI32 {
    self.memory.word(0)
  }

  pub fn locked(&self) -> bool {
    self.state().load(SeqCst) != UNLOCKED
  }

  pub fn try_acquire(&self) -> bool {
    self
      .state()
      .compare_exchange(UNLOCKED, LOCKED, Acq, Relaxed)
      .is_ok()
  }

  /// Blocks until acquired or `until`.
  pub fn acquire_until(&self, until: Instant) -> Acquire {
    let state = self.state();
    loop {
      if state.swap(CONTENDED, Acq) == UNLOCKED {
        return Acquire::Acquired;
      }
      // The wait queue counts us in before the check: a releaser that reads
      // no waiters has already unlocked, and then the check finds it free.
      let parked = self.waiters.park(|| state.load(SeqCst) == CONTENDED, until);
      if parked == Parked::Elapsed {
        return Acquire::Elapsed;
      }
    }
  }

  /// Acquires now, or queues `callback`, which is called once the lock has
  /// been handed to this waiter (it then owns the lock).
  pub fn acquire_async(&self, callback: AsyncCallback) -> Started {
    // Counted in before the lock is marked contended (see acquire_until).
    let queued = self
      .waiters
      .enqueue(|| !self.mark_contended_or_take(), callback);
    match queued {
      Some(id) => Started::Queued(id),
      None => Started::Ready,
    }
  }

  /// Under the queue lock: take the lock (as CONTENDED, since others may wait)
  /// if free, else make sure its holder will wake us. True if taken.
  fn mark_contended_or_take(&self) -> bool {
    let state = self.state();
    loop {
      match state.load(SeqCst) {
        UNLOCKED => {
          if state
            .compare_exchange(UNLOCKED, CONTENDED, Acq, Relaxed)
            .is_ok()
          {
            return true;
          }
        }
        LOCKED => {
          if state
            .compare_exchange(LOCKED, CONTENDED, SeqCst, Relaxed)
            .is_ok()
          {
            return false;
          }
        }
        _ => return false,
      }
    }
  }

  /// Withdraws a queued async waiter; false if the lock was already handed to it.
  pub fn cancel(&self, id: u64) -> bool {
    self.waiters.remove(id)
  }

  /// Waiters parked or queued now (the JS releaser reads word 3 directly).
  pub fn waiting(&self) -> i32 {
    self.memory.word(WAITERS).load(SeqCst)
  }

  pub fn release(&self) -> Result<(), NotLocked> {
    match self.state().swap(UNLOCKED, Release) {
      UNLOCKED => Err(NotLocked),
      CONTENDED => {
        if self.waiting() > 0 {
          self.wake();
        }
        Ok(())
      }
      _ => Ok(()),
    }
  }

  /// After a release that found the lock CONTENDED: wake one thread to retry,
  /// or hand the lock straight to one async waiter.
  pub fn wake(&self) {
    self.waiters.wake_with(
      1,
      || {},
      |is_async| {
        if !is_async || self.mark_contended_or_take() {
          Decision::Deliver(Outcome::Woken)
        } else {
          Decision::Stop
        }
      },
      // The waiter's thread is gone: give its lock back (the loop then tries the next one).
      |_| self.state().store(UNLOCKED, Release),
    );
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::cell::UnsafeCell;
  use std::sync::mpsc;
  use std::time::Duration;

  struct Guarded(UnsafeCell<u64>);
  // SAFETY: only touched while holding the lock under test.
  unsafe impl Sync for Guarded {}

  fn far() -> Instant {
    Instant::now() + Duration::from_secs(30)
  }

  /// 4 threads x 100k increments of a plain counter under the lock = exactly 400k.
  #[test]
  fn mutual_exclusion_under_contention() {
    let lock = Lock::new();
    let counter = Guarded(UnsafeCell::new(0));
    std::thread::scope(|s| {
      for t in 0..4 {
        let (lock, counter) = (&lock, &counter);
        s.spawn(move || {
          for i in 0..100_000 {
            if (i + t) % 2 == 0 {
              if !lock.try_acquire() {
                assert_eq!(lock.acquire_until(far()), Acquire::Acquired);
              }
            } else {
              assert_eq!(lock.acquire_until(far()), Acquire::Acquired);
            }
            unsafe { *counter.0.get() += 1 };
            lock.release().unwrap();
          }
        });
      }
    });
    assert_eq!(unsafe { *counter.0.get() }, 400_000);
    assert!(!lock.locked());
  }

  #[test]
  fn acquire_times_out() {
    let lock = Lock::new();
    assert!(lock.try_acquire());
    let until = Instant::now() + Duration::from_millis(30);
    assert_eq!(lock.acquire_until(until), Acquire::Elapsed);
    assert!(Instant::now() >= until);
  }

  #[test]
  fn async_waiters_get_the_lock_handed_over_in_order() {
    let lock = Arc::new(Lock::new());
    assert!(lock.try_acquire());
    let (tx, rx) = mpsc::channel();
    for name in ["first", "second"] {
      let tx = tx.clone();
      let started = lock.acquire_async(Box::new(move |outcome| {
        tx.send((name, outcome)).unwrap();
        true
      }));
      assert!(matches!(started, Started::Queued(_)));
    }
    lock.release().unwrap();
    assert_eq!(rx.recv().unwrap(), ("first", Outcome::Woken));
    assert!(lock.locked(), "the lock was handed to the first waiter");
    assert!(rx.try_recv().is_err());
    lock.release().unwrap();
    assert_eq!(rx.recv().unwrap(), ("second", Outcome::Woken));
    lock.release().unwrap();
    assert!(!lock.locked());
  }

  #[test]
  fn a_lock_handed_to_a_gone_waiter_passes_on() {
    let lock = Lock::new();
    assert!(lock.try_acquire());
    lock.acquire_async(Box::new(|_| false));
    let (tx, rx) = mpsc::channel();
    lock.acquire_async(Box::new(move |_| tx.send(()).is_ok()));
    lock.release().unwrap();
    rx.recv_timeout(Duration::from_secs(5))
      .expect("second waiter got the lock");
    assert!(lock.locked());
  }

  #[test]
  fn cancelled_async_waiter_is_not_woken() {
    let lock = Lock::new();
    assert!(lock.try_acquire());
    let Started::Queued(id) = lock.acquire_async(Box::new(|_| panic!("cancelled waiter woken")))
    else {
      panic!("expected to queue")
    };
    assert!(lock.cancel(id));
    lock.release().unwrap();
    assert!(!lock.locked());
  }
}
