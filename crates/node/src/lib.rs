//! Node-API binding of `multiproc-core`: translation between JS values and the
//! core's types, nothing more. One file per exported native class.

mod barrier;
mod bulk;
mod child_process;
mod condition;
mod event;
mod lock;
mod manager;
mod named_shm;
mod pipe;
mod queue;
mod semaphore;
mod shared;
mod shared_memory;
mod task_pool;
