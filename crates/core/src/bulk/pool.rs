//! The one process-wide rayon pool every bulk operation above its threshold
//! runs on. Not Node's libuv pool (whose 4 threads serve fs, dns and crypto:
//! a long sort there would stall them), and bounded: one thread per core the
//! process may use, whatever the number of JS threads calling in.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use rayon::{ThreadPool, ThreadPoolBuilder};

use super::{BulkError, Elements, Op, Outcome};

static POOL: OnceLock<Result<ThreadPool, String>> = OnceLock::new();

/// The pool's size: the cores this process may use (cgroup quota and
/// affinity included), as `os.availableParallelism()`.
pub fn threads() -> usize {
  std::thread::available_parallelism().map_or(1, |n| n.get())
}

pub(super) fn get() -> Result<&'static ThreadPool, BulkError> {
  POOL
    .get_or_init(|| {
      ThreadPoolBuilder::new()
        .num_threads(threads())
        .thread_name(|i| format!("multiproc-bulk-{i}"))
        .build()
        .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|why| BulkError::Pool(why.clone()))
}

/// Runs `op` on the pool and hands its outcome to `done`, on a pool thread;
/// the caller does not wait. `done` is called exactly once, a panic included
/// (which rayon would otherwise turn into an abort of the process).
pub fn spawn(
  elements: Elements,
  op: Op,
  done: impl FnOnce(Result<Outcome, BulkError>) + Send + 'static,
) -> Result<(), BulkError> {
  get()?.spawn(move || {
    let outcome = catch_unwind(AssertUnwindSafe(|| elements.run(&op)))
      .unwrap_or_else(|_| Err(BulkError::Pool(format!("{}() panicked", op.name()))));
    done(outcome);
  });
  Ok(())
}
