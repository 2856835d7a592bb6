//! The thread-safe heart of multiproc, free of any Node.js dependency.
//!
//! Every type here is shared between the submitting thread and the worker
//! threads through an [`Arc`](std::sync::Arc). Worker threads find the object
//! their parent created through a [`HandleTable`], by a numeric id that travels
//! in the worker's start-up data; that same mechanism carries the shared objects
//! (queues, locks, values) passed to tasks as live handles.

pub mod bulk;
pub mod child_process;
#[cfg(all(test, target_os = "linux", not(loom)))]
mod forked;
mod handles;
pub mod manager;
pub mod os;
pub mod pipe;
#[cfg(not(loom))]
pub mod program;
pub mod queue;
mod shared_memory;
mod shim;
pub mod sync;
mod task_pool;

pub use handles::HandleTable;
pub use shared_memory::SharedMemory;
#[cfg(not(loom))]
pub use shared_memory::Location;
/// Any object shared between threads (a lock, a queue, shared memory...), as
/// kept alive by jobs and found through a [`HandleTable`] by id.
pub type Shared = std::sync::Arc<dyn std::any::Any + Send + Sync>;

pub use task_pool::{Completion, Job, PoolState, SubmitError, Take, TaskPool};
