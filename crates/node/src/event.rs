use std::sync::Arc;

use multiproc_core::sync::Event;
use napi_derive::napi;

use crate::shared::{self, AsyncWaker};

#[napi]
pub struct NativeEvent {
  inner: Arc<Event>,
  id: f64,
}

shared::shared_class!(NativeEvent, Event, "Event");
shared::across_processes!(NativeEvent, Event, "Event");

#[napi]
impl NativeEvent {
  #[napi(constructor)]
  pub fn new() -> Self {
    Self::create(Event::new())
  }

  #[napi]
  pub fn is_set(&self) -> bool {
    self.inner.is_set()
  }

  #[napi]
  pub fn set(&self) {
    self.inner.set();
  }

  #[napi]
  pub fn clear(&self) {
    self.inner.clear();
  }

  #[napi]
  pub fn wait_slice(&self, timeout_ms: f64) -> bool {
    self.inner.wait_until(shared::slice_end(timeout_ms))
  }

  #[napi]
  pub fn wait_async(&self, waker: &AsyncWaker, token: u32) -> f64 {
    shared::started(self.inner.wait_async(waker.callback(token)))
  }

  #[napi]
  pub fn cancel(&self, waiter: f64) -> bool {
    self.inner.cancel(waiter as u64)
  }
}

impl Default for NativeEvent {
  fn default() -> Self {
    Self::new()
  }
}
