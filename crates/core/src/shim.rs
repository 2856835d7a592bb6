//! The atomics and the mutex/condvar the wait queue and the lock are built on:
//! std's and parking_lot's, or loom's under `--cfg loom` (as crossbeam and
//! tokio do), so their hand-offs can be model-checked. Shared memory words are
//! these atomics too, which is why every user of `SharedMemory::word` names
//! them from here.

#[cfg(not(loom))]
pub(crate) use parking_lot::{Condvar, Mutex};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{fence, AtomicI32, AtomicU64};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicI32, AtomicU64};

#[cfg(loom)]
pub(crate) use loom::thread::yield_now as spin_loop;
#[cfg(loom)]
pub(crate) use parking::{Condvar, Mutex};
/// A spin-wait's pause; under loom a yield, so a model can let the awaited
/// thread run.
#[cfg(not(loom))]
pub(crate) use std::hint::spin_loop;

/// loom's std-shaped Mutex and Condvar with parking_lot's signatures. loom
/// never times a wait out: a model passes only if every wait is woken.
#[cfg(loom)]
mod parking {
  use std::ops::{Deref, DerefMut};
  use std::time::Instant;

  pub struct Mutex<T>(loom::sync::Mutex<T>);
  pub struct MutexGuard<'a, T>(Option<loom::sync::MutexGuard<'a, T>>);
  pub struct Condvar(loom::sync::Condvar);
  pub struct WaitTimeoutResult;

  impl<T> Mutex<T> {
    pub fn new(value: T) -> Self {
      Self(loom::sync::Mutex::new(value))
    }

    pub fn lock(&self) -> MutexGuard<'_, T> {
      MutexGuard(Some(self.0.lock().unwrap()))
    }
  }

  impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
      self.0.as_ref().unwrap()
    }
  }

  impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
      self.0.as_mut().unwrap()
    }
  }

  impl WaitTimeoutResult {
    pub fn timed_out(&self) -> bool {
      false
    }
  }

  impl Condvar {
    pub fn new() -> Self {
      Self(loom::sync::Condvar::new())
    }

    pub fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
      guard.0 = Some(self.0.wait(guard.0.take().unwrap()).unwrap());
    }

    pub fn wait_until<T>(
      &self,
      guard: &mut MutexGuard<'_, T>,
      _until: Instant,
    ) -> WaitTimeoutResult {
      self.wait(guard);
      WaitTimeoutResult
    }

    pub fn notify_one(&self) {
      self.0.notify_one();
    }
  }
}
