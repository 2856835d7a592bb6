//! What the core needs from the OS to share state between processes: memory
//! that several processes map ([`Segment`]), and waits on a 32-bit word in
//! that memory that another process can wake ([`wait`], [`wake`]).
//!
//! This is the only per-OS code of the shared kinds: everything above it
//! works on a [`Mapping`]'s bytes and on these two calls, the same in threads
//! and processes. Only Linux is exercised by the tests here; the other OSes'
//! code is compiled in the release workflow's `cargo check` matrix.

mod mapping;
mod segment;
mod wait;

pub use mapping::Mapping;
pub use segment::Segment;
pub use wait::{wait, wake, WAKE_ALL};

#[cfg(all(test, target_os = "linux", not(loom)))]
mod tests {
  use super::*;
  use std::sync::atomic::{AtomicU32, Ordering};
  use std::time::{Duration, Instant};

  /// Runs `child` in a forked process, which ends with its return value as
  /// exit code. The child only touches memory and makes syscalls (and
  /// allocates, which glibc makes safe after fork).
  fn fork(child: impl FnOnce() -> i32) -> libc::pid_t {
    // SAFETY: see above; the child never returns into the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
      let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).unwrap_or(101);
      unsafe { libc::_exit(code) };
    }
    pid
  }

  fn exit_code(pid: libc::pid_t) -> i32 {
    let mut status = 0;
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status), "child died: status {status}");
    libc::WEXITSTATUS(status)
  }

  fn word(segment: &Segment, index: usize) -> &AtomicU32 {
    assert!((index + 1) * 4 <= segment.mapping().len());
    // SAFETY: in bounds, 4-aligned (mappings are page-aligned), only used atomically.
    unsafe { &*(segment.mapping().as_ptr() as *const AtomicU32).add(index) }
  }

  #[test]
  fn another_process_attaches_by_token_and_both_see_each_others_writes() {
    let segment = Segment::create(4096).unwrap();
    assert_eq!(segment.mapping().len(), 4096);
    assert_eq!(word(&segment, 7).load(Ordering::SeqCst), 0, "zero-filled");
    word(&segment, 0).store(41, Ordering::SeqCst);
    let token = segment.token().to_owned();
    let code = exit_code(fork(move || {
      // A mapping of its own, through the token, not the one fork copied.
      let attached = Segment::attach(&token).unwrap();
      assert_ne!(attached.mapping().as_ptr(), std::ptr::null_mut());
      let seen = word(&attached, 0).load(Ordering::SeqCst);
      word(&attached, 1).store(seen + 1, Ordering::SeqCst);
      (attached.mapping().len() == 4096) as i32
    }));
    assert_eq!(code, 1, "the child saw the segment's length");
    assert_eq!(word(&segment, 1).load(Ordering::SeqCst), 42);
  }

  #[test]
  fn a_wake_from_another_process_ends_a_wait() {
    let segment = Segment::create(64).unwrap();
    let token = segment.token().to_owned();
    // Word 0: the flag the child waits on; word 1: the child is about to wait.
    let child = fork(move || {
      let attached = Segment::attach(&token).unwrap();
      word(&attached, 1).store(1, Ordering::SeqCst);
      let started = Instant::now();
      while word(&attached, 0).load(Ordering::SeqCst) == 0 {
        wait(word(&attached, 0), 0, Some(Duration::from_secs(20)));
      }
      // A lost wake-up would have kept it asleep until its timeout.
      if started.elapsed() > Duration::from_secs(10) {
        return 2;
      }
      0
    });
    while word(&segment, 1).load(Ordering::SeqCst) == 0 {
      std::thread::yield_now();
    }
    std::thread::sleep(Duration::from_millis(50)); // most likely asleep in the kernel by now
    word(&segment, 0).store(1, Ordering::SeqCst);
    wake(word(&segment, 0), WAKE_ALL);
    // 0: woken, not timed out.
    assert_eq!(exit_code(child), 0);
  }

  #[test]
  fn wait_returns_at_once_when_the_word_differs_and_honours_its_timeout() {
    let flag = AtomicU32::new(5);
    wait(&flag, 4, None);
    let started = Instant::now();
    wait(&flag, 5, Some(Duration::from_millis(30)));
    assert!(started.elapsed() >= Duration::from_millis(25));
  }

  #[test]
  fn a_bad_or_stale_token_is_an_error() {
    assert!(Segment::attach("nonsense").is_err());
    let token = Segment::create(16).unwrap().token().to_owned();
    // Dropped: nobody holds it, so it cannot be attached any more.
    assert!(Segment::attach(&token).is_err());
  }
}
