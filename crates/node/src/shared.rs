//! What every shared native object needs: an id other threads attach by,
//! views over its memory, blocking waits in slices, and async waiters.

use std::any::Any;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use multiproc_core::sync::{AsyncCallback, Outcome, Started};
use multiproc_core::{HandleTable, Shared, SharedMemory};
use napi::bindgen_prelude::*;
use napi::sys;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

/// Every shared object by id, whatever its kind (ids are unique across kinds).
static OBJECTS: HandleTable<dyn Any + Send + Sync> = HandleTable::new();

/// Longest a blocking wait stays in native code before returning to JS, which
/// loops: a worker blocked in `acquireSync()` can still be terminated.
const SLICE: Duration = Duration::from_millis(50);

/// The part every shared native class has in common: `attach(id)` from any
/// thread, the `id` getter, and `create` (register a new core object).
/// `custom` leaves `adopt(inner, id)` to the class, for extra per-thread state.
macro_rules! shared_class {
  ($class:ident, $core:ty, $kind:literal) => {
    impl $class {
      fn adopt(inner: std::sync::Arc<$core>, id: f64) -> Self {
        Self { inner, id }
      }
    }
    crate::shared::shared_class!($class, $core, $kind, custom);
  };
  ($class:ident, $core:ty, $kind:literal, custom) => {
    #[napi_derive::napi]
    impl $class {
      /// The live object with this id, from any thread.
      #[napi(factory)]
      pub fn attach(id: f64) -> napi::Result<Self> {
        Ok(Self::adopt(crate::shared::attach(id, $kind)?, id))
      }

      /// What other threads attach by.
      #[napi(getter)]
      pub fn id(&self) -> f64 {
        self.id
      }
    }

    impl $class {
      fn create(inner: impl Into<std::sync::Arc<$core>>) -> Self {
        let inner = inner.into();
        let id = crate::shared::register(&inner) as f64;
        Self::adopt(inner, id)
      }
    }
  };
}
pub(crate) use shared_class;

/// `attachAt(location)` and `locate()` for a class whose core type can be
/// shared with another process (`$core::attach`, `$core::locate`).
macro_rules! across_processes {
  ($class:ident, $core:ty, $kind:literal) => {
    #[napi_derive::napi]
    impl $class {
      /// This process's side of an object another process located.
      #[napi(factory)]
      pub fn attach_at(location: crate::shared_memory::MemoryLocation) -> napi::Result<Self> {
        let inner = <$core>::attach(&location.into()).map_err(|error| {
          napi::Error::new(napi::Status::GenericFailure, format!(concat!("cannot attach the ", $kind, " of another process (has it ended?): {}"), error))
        })?;
        Ok(Self::create(inner))
      }

      /// Where another process attaches this object (from then on shared across processes).
      #[napi]
      pub fn locate(&self) -> crate::shared_memory::MemoryLocation {
        self.inner.locate().into()
      }
    }
  };
}
pub(crate) use across_processes;

pub fn register<T: Any + Send + Sync>(object: &Arc<T>) -> u64 {
  let shared: Shared = object.clone();
  OBJECTS.insert(&shared)
}

/// How many shared objects are alive in this process (for leak tests).
#[napi]
pub fn live_shared_objects() -> u32 {
  OBJECTS.live() as u32
}

/// The live object `id` as a `T`, from any thread.
pub fn attach<T: Any + Send + Sync>(id: f64, kind: &str) -> Result<Arc<T>> {
  let object = OBJECTS
    .get(id as u64)
    .ok_or_else(|| Error::new(Status::InvalidArg, format!("no live {kind} with id {id}")))?;
  object
    .downcast::<T>()
    .map_err(|_| Error::new(Status::InvalidArg, format!("object {id} is not a {kind}")))
}

/// Strong references to the objects `ids`, for a job that refers to them.
pub fn keep_alive(ids: &[f64]) -> Result<Vec<Shared>> {
  ids
    .iter()
    .map(|&id| {
      OBJECTS.get(id as u64).ok_or_else(|| {
        Error::new(
          Status::InvalidArg,
          format!("no live shared object with id {id}"),
        )
      })
    })
    .collect()
}

/// Keeps shared objects alive while JS holds it: a started `Process` keeps
/// the objects its arguments refer to until the child has ended (a job's are
/// kept by the job itself).
#[napi]
pub struct NativeHold {
  objects: Vec<Shared>,
}

#[napi]
impl NativeHold {
  #[napi(constructor)]
  pub fn new(ids: Vec<f64>) -> Result<Self> {
    Ok(Self {
      objects: keep_alive(&ids)?,
    })
  }

  #[napi]
  pub fn release(&mut self) {
    self.objects.clear();
  }
}

/// End of the next wait slice for a JS wait of `timeout_ms` (< 0: forever).
pub fn slice_end(timeout_ms: f64) -> Instant {
  let slice = if timeout_ms < 0.0 {
    SLICE
  } else {
    SLICE.min(Duration::from_secs_f64(timeout_ms / 1000.0))
  };
  Instant::now() + slice
}

unsafe extern "C" fn drop_owner(
  _env: sys::napi_env,
  _data: *mut std::ffi::c_void,
  hint: *mut std::ffi::c_void,
) {
  // SAFETY: `hint` is the Box leaked in `external_buffer` below, finalized exactly once.
  drop(unsafe { Box::from_raw(hint as *mut Box<dyn Any>) });
}

/// An ArrayBuffer over the `len` bytes at `data` (no copy), holding `owner`,
/// which keeps them alive, until the buffer is collected or detached. Fails
/// rather than copies where external buffers are refused (Electron's
/// sandbox), since a copy would silently stop sharing.
pub fn external_buffer(env: &Env, data: *mut u8, len: usize, owner: Box<dyn Any>) -> Result<Unknown<'static>> {
  let hint = Box::into_raw(Box::new(owner));
  let mut out = std::ptr::null_mut();
  // SAFETY: the bytes outlive the buffer: the finalizer drops their owner.
  let status = unsafe {
    sys::napi_create_external_arraybuffer(env.raw(), data.cast(), len, Some(drop_owner), hint.cast(), &mut out)
  };
  if status != sys::Status::napi_ok {
    drop(unsafe { Box::from_raw(hint) });
    return Err(Error::new(
      Status::GenericFailure,
      "this runtime refuses external ArrayBuffers, which shared memory needs",
    ));
  }
  Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), out) })
}

/// An ArrayBuffer over `memory` itself, holding it alive until collected.
pub fn view(env: &Env, memory: &Arc<SharedMemory>) -> Result<Unknown<'static>> {
  external_buffer(env, memory.as_ptr(), memory.len(), Box::new(memory.clone()))
}

type WakeFn = ThreadsafeFunction<f64, (), f64, Status, false, true>;

/// One per thread: delivers async waiters' outcomes to that thread's event
/// loop, as `callback(token * 4 + outcome)`. Weak: a pending async wait does
/// not keep the process alive, as a pending Promise does not. But a wake that
/// was sent must arrive: `inFlight` counts the sent, undelivered ones, so the
/// thread can keep its loop turning until they are in (see sync/waiting.ts).
#[napi]
pub struct AsyncWaker {
  wake: Arc<WakeFn>,
  in_flight: Arc<AtomicU32>,
}

#[napi]
impl AsyncWaker {
  #[napi(constructor)]
  pub fn new(callback: Function<f64, ()>) -> Result<Self> {
    let in_flight = Arc::new(AtomicU32::new(0));
    let delivered = in_flight.clone();
    let wake = callback
      .build_threadsafe_function::<f64>()
      .weak::<true>()
      .build_callback(move |ctx| {
        delivered.fetch_sub(1, Ordering::SeqCst);
        Ok(ctx.value)
      })?;
    Ok(Self {
      wake: Arc::new(wake),
      in_flight,
    })
  }

  #[napi(getter)]
  pub fn in_flight(&self) -> u32 {
    self.in_flight.load(Ordering::SeqCst)
  }
}

impl AsyncWaker {
  /// The core's callback for waiter `token`; false once the thread is gone.
  pub fn callback(&self, token: u32) -> AsyncCallback {
    let wake = self.wake.clone();
    let in_flight = self.in_flight.clone();
    Box::new(move |outcome| {
      let code = match outcome {
        Outcome::Woken => 0.0,
        Outcome::TimedOut => 1.0,
        Outcome::Broken => 2.0,
      };
      in_flight.fetch_add(1, Ordering::SeqCst);
      let sent = wake.call(
        f64::from(token) * 4.0 + code,
        ThreadsafeFunctionCallMode::NonBlocking,
      ) == Status::Ok;
      if !sent {
        in_flight.fetch_sub(1, Ordering::SeqCst);
      }
      sent
    })
  }
}

/// JS encoding of [`Started`]: -1 done at once, else the waiter id to cancel.
pub fn started(started: Started) -> f64 {
  match started {
    Started::Ready => -1.0,
    Started::Queued(id) => id as f64,
  }
}
