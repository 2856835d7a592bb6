use std::sync::Arc;

use multiproc_core::sync::{Acquire, Semaphore};
use napi_derive::napi;

use crate::shared::{self, AsyncWaker};

#[napi]
pub struct NativeSemaphore {
  inner: Arc<Semaphore>,
  id: f64,
}

shared::shared_class!(NativeSemaphore, Semaphore, "Semaphore");
shared::across_processes!(NativeSemaphore, Semaphore, "Semaphore");

#[napi]
impl NativeSemaphore {
  /// `bound`: the BoundedSemaphore's limit, if any.
  #[napi(constructor)]
  pub fn new(value: i32, bound: Option<i32>) -> Self {
    Self::create(Semaphore::new(value, bound))
  }

  #[napi(getter)]
  pub fn value(&self) -> i32 {
    self.inner.value()
  }

  #[napi]
  pub fn try_acquire(&self) -> bool {
    self.inner.try_acquire()
  }

  #[napi]
  pub fn acquire_slice(&self, timeout_ms: f64) -> bool {
    self.inner.acquire_until(shared::slice_end(timeout_ms)) == Acquire::Acquired
  }

  #[napi]
  pub fn acquire_async(&self, waker: &AsyncWaker, token: u32) -> f64 {
    shared::started(self.inner.acquire_async(waker.callback(token)))
  }

  #[napi]
  pub fn cancel(&self, waiter: f64) -> bool {
    self.inner.cancel(waiter as u64)
  }

  /// False when it would go above the bound (nothing released then).
  #[napi]
  pub fn release(&self, n: i32) -> bool {
    self.inner.release(n).is_ok()
  }
}
