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
/// Word 0 holds the value, so JS can read it (`getValue`) without a native
/// call; word 1 the bound (-1: none); word 2 counts the blocking waiters of
/// other processes asleep on the value, word 3 the queued waiters of every
/// process (see `super::across`).
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
  waiters: WaitQueue,
  #[cfg(not(loom))]
  across: super::across::Across,
}

const VALUE: usize = 0;
const BOUND: usize = 1;
#[cfg_attr(loom, allow(dead_code))]
const SLEEPERS: usize = 2;
const QUEUED: usize = 3;

impl Semaphore {
  pub fn new(value: i32, bound: Option<i32>) -> Self {
    let memory = Arc::new(SharedMemory::zeroed(16));
    memory.word(VALUE).store(value, SeqCst);
    memory.word(BOUND).store(bound.unwrap_or(-1), SeqCst);
    Self::over(memory)
  }

  fn over(memory: Arc<SharedMemory>) -> Self {
    Self {
      waiters: WaitQueue::counting_in(memory.clone(), QUEUED),
      memory,
      #[cfg(not(loom))]
      across: super::across::Across::new(VALUE, SLEEPERS, QUEUED),
    }
  }

  /// This process's side of a semaphore another process [located](Semaphore::locate).
  #[cfg(not(loom))]
  pub fn attach(location: &crate::Location) -> std::io::Result<Arc<Self>> {
    let semaphore = Arc::new(Self::over(super::across::attach_memory(location, 16, "a semaphore")?));
    semaphore.across.share(super::across::watched(&semaphore));
    Ok(semaphore)
  }

  /// Where another process attaches this semaphore; from then on shared across processes.
  #[cfg(not(loom))]
  pub fn locate(self: &Arc<Self>) -> crate::Location {
    self.across.share(super::across::watched(self));
    self.memory.locate()
  }

  fn bound(&self) -> Option<i32> {
    Some(self.memory.word(BOUND).load(SeqCst)).filter(|&bound| bound >= 0)
  }

  pub fn memory(&self) -> &Arc<SharedMemory> {
    &self.memory
  }

  fn value_word(&self) -> &AtomicI32 {
    self.memory.word(VALUE)
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
      #[cfg(not(loom))]
      if self.across.is_shared() {
        let now = Instant::now();
        if now >= until {
          return Acquire::Elapsed;
        }
        self.across.sleep(&self.memory, 0, until - now);
        continue;
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
      if self.bound().is_some_and(|bound| current + n > bound) {
        return Err(TooManyReleases);
      }
      match value.compare_exchange(current, current + n, SeqCst, SeqCst) {
        Ok(_) => break,
        Err(seen) => current = seen,
      }
    }
    let woken = self.wake_here(n as usize);
    #[cfg(not(loom))]
    if self.across.is_shared() {
      self.across.wake(&self.memory, n as u32, woken, self.waiters.len());
    }
    #[cfg(loom)]
    let _ = woken;
    Ok(())
  }

  /// Wakes up to `n` of this process's queued waiters (an async one only if
  /// a unit could be taken for it); how many were woken.
  fn wake_here(&self, n: usize) -> usize {
    self.waiters.wake_with(
      n,
      || {},
      |head| {
        if !head.is_async || self.try_acquire() {
          Decision::Deliver(Outcome::Woken)
        } else {
          Decision::Stop
        }
      },
      |_| {
        self.value_word().fetch_add(1, SeqCst);
      },
    )
  }
}

#[cfg(not(loom))]
impl super::relay::RemoteWaiters for Semaphore {
  fn has_waiters(&self) -> bool {
    !self.waiters.is_empty()
  }

  fn retry(&self) {
    if self.value() > 0 {
      self.wake_here(1);
    }
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

#[cfg(all(test, target_os = "linux", not(loom)))]
mod across_processes {
  use super::*;
  use crate::forked::{exit_code, fork};
  use std::sync::mpsc;
  use std::time::Duration;

  #[test]
  fn units_released_in_one_process_reach_waiters_in_another_blocking_or_async() {
    let semaphore = Arc::new(Semaphore::new(0, Some(2)));
    let at = semaphore.locate();
    let phase = SharedMemory::zeroed(8);
    let at_phase = phase.locate();
    let (tx, rx) = mpsc::channel();
    assert!(matches!(semaphore.acquire_async(Box::new(move |outcome| tx.send(outcome).is_ok())), Started::Queued(_)));
    let pid = fork(move || {
      (|| {
        let (semaphore, phase) = (Semaphore::attach(&at).ok()?, SharedMemory::attach(&at_phase).ok()?);
        // The bound came along; its release goes to the async waiter in the parent.
        semaphore.release(3).err()?;
        semaphore.release(1).ok()?;
        while phase.cell(0).load(SeqCst) == 0 {
          std::thread::yield_now();
        }
        let t0 = Instant::now();
        (semaphore.acquire_until(Instant::now() + Duration::from_secs(20)) == Acquire::Acquired && t0.elapsed() < Duration::from_secs(10)).then_some(())
      })()
      .map_or(2, |()| 0)
    });
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(Outcome::Woken));
    assert_eq!(semaphore.value(), 0, "the unit went to the async waiter");
    phase.cell(0).store(1, SeqCst);
    std::thread::sleep(Duration::from_millis(50));
    semaphore.release(1).unwrap();
    assert_eq!(exit_code(pid), 0, "the blocked child got the unit released here");
    assert_eq!(semaphore.value(), 0);
  }
}
