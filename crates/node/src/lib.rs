//! Node-API binding of `multiproc-core`: translation between JS values and the
//! core's types, nothing more. One file per exported native class.

mod task_pool;
