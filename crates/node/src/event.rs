use std::sync::Arc;

use multiproc_core::sync::Event;
use napi_derive::napi;

use crate::shared::{self, AsyncWaker};
use crate::shared_memory::MemoryLocation;

#[napi]
pub struct NativeEvent {
  inner: Arc<Event>,
  id: f64,
}

shared::shared_class!(NativeEvent, Event, "Event");

#[napi]
impl NativeEvent {
  #[napi(constructor)]
  pub fn new() -> Self {
    Self::create(Event::new())
  }

  /// This process's side of an event another process located.
  #[napi(factory)]
  pub fn attach_at(location: MemoryLocation) -> napi::Result<Self> {
    let event = Event::attach(&location.into()).map_err(|error| {
      napi::Error::new(napi::Status::GenericFailure, format!("cannot attach the Event of another process (has it ended?): {error}"))
    })?;
    Ok(Self::create(event))
  }

  /// Where another process attaches this event (from then on shared across processes).
  #[napi]
  pub fn locate(&self) -> MemoryLocation {
    self.inner.locate().into()
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
