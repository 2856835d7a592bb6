use std::sync::Arc;

use multiproc_core::sync::Barrier;
use napi_derive::napi;

use crate::shared::{self, AsyncWaker};

#[napi(object)]
pub struct BarrierArrival {
  pub index: u32,
  pub generation: i32,
  pub last: bool,
}

#[napi]
pub struct NativeBarrier {
  inner: Arc<Barrier>,
  id: f64,
}

shared::shared_class!(NativeBarrier, Barrier, "Barrier");

#[napi]
impl NativeBarrier {
  #[napi(constructor)]
  pub fn new(parties: u32) -> Self {
    Self::create(Barrier::new(parties))
  }

  #[napi(getter)]
  pub fn parties(&self) -> u32 {
    self.inner.parties()
  }

  #[napi(getter)]
  pub fn n_waiting(&self) -> u32 {
    self.inner.n_waiting()
  }

  #[napi(getter)]
  pub fn broken(&self) -> bool {
    self.inner.broken()
  }

  /// `owner` arrives; null when the barrier is broken.
  #[napi]
  pub fn arrive(&self, owner: u32) -> Option<BarrierArrival> {
    self.inner.arrive(owner).ok().map(|a| BarrierArrival {
      index: a.index,
      generation: a.generation,
      last: a.last,
    })
  }

  #[napi]
  pub fn release(&self, generation: i32) {
    self.inner.release(generation);
  }

  /// 0: this slice elapsed; 1: the round ended; 2: the barrier is broken.
  #[napi]
  pub fn wait_slice(&self, generation: i32, timeout_ms: f64) -> u32 {
    match self
      .inner
      .wait_slice(generation, shared::slice_end(timeout_ms))
    {
      Ok(false) => 0,
      Ok(true) => 1,
      Err(_) => 2,
    }
  }

  #[napi]
  pub fn wait_async(&self, generation: i32, waker: &AsyncWaker, token: u32) -> f64 {
    shared::started(self.inner.wait_async(generation, waker.callback(token)))
  }

  /// After a wake: whether round `generation` ended normally.
  #[napi]
  pub fn round_ended(&self, generation: i32) -> bool {
    self.inner.round_result(generation).is_ok()
  }

  #[napi]
  pub fn cancel(&self, waiter: f64) -> bool {
    self.inner.cancel(waiter as u64)
  }

  #[napi]
  pub fn abort(&self) {
    self.inner.abort();
  }

  #[napi]
  pub fn reset(&self) {
    self.inner.reset();
  }
}
