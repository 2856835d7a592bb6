//! Test support: a closure run in a forked process, as the cross-process
//! tests' other side. The child joins this program (it inherits the mapping
//! of the program's segment, made before the fork) and takes owner tokens of
//! its own, as a spawned child that joined would; it only touches memory,
//! takes locks and makes syscalls (and allocates, which glibc makes safe
//! after fork), and ends with the closure's value as exit code (101 if it
//! panicked).

/// Starts `child` in a forked process; returns its pid.
pub(crate) fn fork(child: impl FnOnce() -> i32) -> libc::pid_t {
  crate::program::token();
  // SAFETY: see above; the child never returns into the test harness.
  let pid = unsafe { libc::fork() };
  assert!(pid >= 0, "fork failed");
  if pid == 0 {
    crate::sync::owner::start_afresh();
    let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(101);
    unsafe { libc::_exit(code) };
  }
  pid
}

/// Waits for the forked child `pid`; its exit code.
pub(crate) fn exit_code(pid: libc::pid_t) -> i32 {
  let mut status = 0;
  assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
  assert!(libc::WIFEXITED(status), "child died: status {status}");
  libc::WEXITSTATUS(status)
}
