use std::sync::Arc;

use multiproc_core::{Completion, HandleTable, Job, PoolState, Take, TaskPool};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::shared;

/// Pools by id, so a worker thread can attach to the pool that started it.
static POOLS: HandleTable<TaskPool> = HandleTable::new();

/// A job handed to a worker.
#[napi(object)]
pub struct TakenJob {
  pub id: f64,
  pub function_id: u32,
  pub format: u32,
  pub payload: Buffer,
}

/// A finished job handed back to the submitting thread.
#[napi(object)]
pub struct FinishedJob {
  pub id: f64,
  pub ok: bool,
  pub format: u32,
  pub payload: Buffer,
}

/// A handle to a [`TaskPool`]; every thread attached to the same pool holds
/// one, and the pool lives until the last handle is collected.
#[napi]
pub struct NativeTaskPool {
  inner: Arc<TaskPool>,
  id: u64,
}

#[napi]
impl NativeTaskPool {
  #[napi(constructor)]
  pub fn new(slots: u32) -> Self {
    let inner = Arc::new(TaskPool::new(slots as usize));
    let id = POOLS.insert(&inner);
    Self { inner, id }
  }

  /// The pool with this id, from any thread, or an error if it is gone.
  #[napi(factory)]
  pub fn attach(id: f64) -> Result<Self> {
    let id = id as u64;
    let inner = POOLS.get(id).ok_or_else(|| {
      Error::new(
        Status::InvalidArg,
        format!("no live task pool with id {id}"),
      )
    })?;
    Ok(Self { inner, id })
  }

  #[napi(getter)]
  pub fn id(&self) -> f64 {
    self.id as f64
  }

  /// 0 running, 1 closed, 2 terminated.
  #[napi(getter)]
  pub fn state(&self) -> u32 {
    self.inner.state() as u32
  }

  #[napi(getter)]
  pub fn queued(&self) -> u32 {
    self.inner.queued() as u32
  }

  /// Queues one job; false when the pool no longer accepts work. `shared`:
  /// ids of the shared objects the payload refers to, kept alive meanwhile.
  #[napi]
  pub fn submit(
    &self,
    id: f64,
    function_id: u32,
    format: u32,
    payload: Uint8Array,
    shared: Option<Vec<f64>>,
  ) -> Result<bool> {
    let job = Job {
      id: id as u64,
      function: function_id,
      format: format as u8,
      payload: payload.to_vec(),
      keep_alive: shared::keep_alive(shared.as_deref().unwrap_or_default())?,
    };
    Ok(self.inner.submit(job).is_ok())
  }

  /// The next job for `slot`, or null when there is none now (see `state`).
  #[napi]
  pub fn take(&self, slot: u32) -> Option<TakenJob> {
    match self.inner.take(slot as usize) {
      Take::Job(job) => Some(TakenJob {
        id: job.id as f64,
        function_id: job.function,
        format: job.format.into(),
        payload: job.payload.into(),
      }),
      Take::Empty | Take::Closed => None,
    }
  }

  #[napi]
  pub fn complete(&self, slot: u32, id: f64, ok: bool, format: u32, payload: Uint8Array) {
    let completion = Completion {
      job: id as u64,
      ok,
      format: format as u8,
      payload: payload.to_vec(),
    };
    self.inner.complete(slot as usize, completion);
  }

  #[napi]
  pub fn drain(&self, max: u32) -> Vec<FinishedJob> {
    self
      .inner
      .drain(max as usize)
      .into_iter()
      .map(|c| FinishedJob {
        id: c.job as f64,
        ok: c.ok,
        format: c.format.into(),
        payload: c.payload.into(),
      })
      .collect()
  }

  /// The job `slot` held when its worker died, if any.
  #[napi]
  pub fn release_slot(&self, slot: u32) -> Option<f64> {
    self.inner.release_slot(slot as usize).map(|id| id as f64)
  }

  /// Forgets a job; with `stopRunning`, the slot whose worker must be stopped
  /// because it is running that job (see `TaskPool::cancel`).
  #[napi]
  pub fn cancel(&self, id: f64, stop_running: bool) -> Option<u32> {
    self
      .inner
      .cancel(id as u64, stop_running)
      .map(|slot| slot as u32)
  }

  #[napi]
  pub fn close(&self) {
    self.inner.close();
  }

  #[napi]
  pub fn terminate(&self) {
    self.inner.terminate();
  }

  #[napi]
  pub fn register_function(&self, id: u32, source: String) {
    self.inner.register_function(id, &source);
  }

  #[napi]
  pub fn function_source(&self, id: u32) -> Option<String> {
    self.inner.function(id).map(|s| s.to_string())
  }
}

const _: () = assert!(PoolState::Running as u8 == 0 && PoolState::Terminated as u8 == 2);
