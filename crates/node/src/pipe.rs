use std::cell::RefCell;
use std::sync::Arc;

use multiproc_core::pipe::{Channel, Handle, PipeError, Transit};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::queue::{item, nothing, taken, QueueTake};
use crate::shared::{self, AsyncWaker};

fn received(result: std::result::Result<multiproc_core::queue::Item, PipeError>) -> QueueTake {
  match result {
    Ok(item) => taken(item),
    Err(PipeError::Empty) => nothing(1),
    Err(_) => nothing(2),
  }
}

thread_local! {
  /// Handles this thread sent in this turn of its event loop, kept until the
  /// job or Process they were sent with holds them (see `releaseSent`).
  static SENT: RefCell<Vec<Arc<Transit>>> = const { RefCell::new(Vec::new()) };
}

/// This thread's handle on one end of one direction of a `Pipe`; a
/// `Connection` holds the handles it reads and writes through. Closed by
/// `close()`, or when collected or its thread ends.
#[napi]
pub struct NativeChannel {
  handle: Arc<Handle>,
}

#[napi]
impl NativeChannel {
  /// A new channel: `[reader, writer]`.
  #[napi]
  pub fn pipe() -> Vec<NativeChannel> {
    let (reader, writer) = Channel::pipe();
    [reader, writer]
      .map(|handle| NativeChannel {
        handle: Arc::new(handle),
      })
      .into()
  }

  /// Sends a new handle on this end: the id the receiver passes to
  /// `receive`. It counts from now; this thread keeps it until the end of
  /// the turn, by when the job or Process sent must hold it.
  #[napi]
  pub fn send_handle(&self) -> Result<f64> {
    let transit = Arc::new(
      Transit::send(&self.handle)
        .ok_or_else(|| Error::new(Status::GenericFailure, "this Connection is closed"))?,
    );
    let id = shared::register(&transit) as f64;
    SENT.with(|sent| sent.borrow_mut().push(transit));
    Ok(id)
  }

  /// Lets go of the handles sent this turn (their jobs and Processes hold them).
  #[napi]
  pub fn release_sent() {
    SENT.with(|sent| sent.borrow_mut().clear());
  }

  /// The receiving thread's handle from a `sendHandle` id.
  #[napi(factory)]
  pub fn receive(id: f64) -> Result<Self> {
    let transit: Arc<Transit> = shared::attach(id, "pipe end")?;
    let handle = transit.receive().ok_or_else(|| {
      Error::new(
        Status::GenericFailure,
        "this pipe end is closed: every handle of it was closed before this thread received it",
      )
    })?;
    Ok(Self { handle })
  }

  /// False when every handle of the reading end is closed.
  #[napi]
  pub fn send(&self, format: u32, payload: Uint8Array) -> bool {
    self.handle.channel().send(item(format, &payload)).is_ok()
  }

  /// `status` 0 received, 1 nothing yet, 2 end of file.
  #[napi]
  pub fn try_recv(&self) -> QueueTake {
    received(self.handle.channel().try_recv())
  }

  #[napi]
  pub fn recv_slice(&self, timeout_ms: f64) -> QueueTake {
    received(
      self
        .handle
        .channel()
        .recv_until(shared::slice_end(timeout_ms)),
    )
  }

  #[napi]
  pub fn poll(&self) -> bool {
    self.handle.channel().poll()
  }

  #[napi]
  pub fn poll_slice(&self, timeout_ms: f64) -> bool {
    self
      .handle
      .channel()
      .poll_until(shared::slice_end(timeout_ms))
  }

  #[napi]
  pub fn wait_readable(&self, waker: &AsyncWaker, token: u32) -> f64 {
    shared::started(self.handle.channel().wait_readable(waker.callback(token)))
  }

  #[napi]
  pub fn cancel(&self, waiter: f64) -> bool {
    self.handle.channel().cancel(waiter as u64)
  }

  #[napi]
  pub fn wake_reader(&self) {
    self.handle.channel().wake_reader();
  }

  /// Closes this handle only; the end closes with its last handle.
  #[napi]
  pub fn close(&self) {
    self.handle.close();
  }
}

impl Drop for NativeChannel {
  fn drop(&mut self) {
    // Other holders of the Arc (a job, a Process) only keep the handle
    // receivable; this thread's use of it ends here.
    self.handle.close();
  }
}
