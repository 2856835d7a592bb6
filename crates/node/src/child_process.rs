//! The OS helpers of the process context (see `multiproc_core::child_process`).

use std::time::Duration;

use multiproc_core::child_process;
use napi::bindgen_prelude::*;
use napi_derive::napi;

/// In a process-context child: end this process as soon as `parentPid` is
/// gone. False where the OS offers no way (the child then relies on its
/// channel to the parent closing).
#[napi]
pub fn die_with_parent(parent_pid: u32) -> bool {
  child_process::die_with_parent(parent_pid)
}

/// The exit status of child `pid` (`n`, or `-N` for signal `N`) once it has
/// ended, blocking at most `timeoutMs` (undefined: for ever); null if it still
/// runs. The child is left for Node to reap, so its 'exit' event still comes.
#[napi]
pub fn wait_child_exit(pid: u32, timeout_ms: Option<f64>) -> Result<Option<i32>> {
  let timeout = timeout_ms.map(|ms| Duration::from_secs_f64(ms.max(0.0) / 1000.0));
  child_process::wait_exit(pid, timeout).map_err(|e| Error::from_reason(format!("cannot read the exit status of process {pid}: {e}")))
}
