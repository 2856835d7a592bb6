use std::sync::atomic::AtomicU32;
use std::time::Duration;

/// [`wake`] every waiter.
pub const WAKE_ALL: u32 = u32::MAX;

/// Blocks while `word` holds `expected`, until [`wake`] is called on it from
/// any thread of any process that maps it, or `timeout` passes (`None`: no
/// limit). Returns at once if the word already differs. May return early
/// (spuriously): callers re-check their condition in a loop.
///
/// Linux: a futex without the private flag, so the kernel keys it by the
/// shared page. macOS: `__ulock_wait` with the shared compare-and-wait
/// operation. Elsewhere (Windows has no cross-process address wait): short
/// sleeps that re-read the word, unverified here.
pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
  imp::wait(word, expected, timeout)
}

/// Wakes at most `count` threads waiting on `word` (all for [`WAKE_ALL`]).
pub fn wake(word: &AtomicU32, count: u32) {
  imp::wake(word, count)
}

#[cfg(target_os = "linux")]
mod imp {
  use std::sync::atomic::AtomicU32;
  use std::time::Duration;

  pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
    let limit = timeout.map(|t| libc::timespec {
      tv_sec: t.as_secs().min(i64::MAX as u64) as libc::time_t,
      tv_nsec: t.subsec_nanos() as libc::c_long,
    });
    let limit_ptr = limit.as_ref().map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: FUTEX_WAIT only reads the word (which outlives the call) and
    // compares it with `expected`; EAGAIN, EINTR and ETIMEDOUT are all
    // "return and let the caller re-check".
    unsafe {
      libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAIT, expected, limit_ptr);
    }
  }

  pub fn wake(word: &AtomicU32, count: u32) {
    let count = count.min(i32::MAX as u32) as libc::c_int;
    // SAFETY: FUTEX_WAKE only looks the address up among the kernel's waiters.
    unsafe {
      libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, count);
    }
  }
}

#[cfg(target_os = "macos")]
mod imp {
  use std::sync::atomic::AtomicU32;
  use std::time::Duration;

  // The private API libc++ and Rust's std also use for futex-style waits.
  const UL_COMPARE_AND_WAIT_SHARED: u32 = 3;
  const ULF_WAKE_ALL: u32 = 0x100;
  extern "C" {
    fn __ulock_wait(operation: u32, addr: *mut libc::c_void, value: u64, timeout_us: u32) -> libc::c_int;
    fn __ulock_wake(operation: u32, addr: *mut libc::c_void, wake_value: u64) -> libc::c_int;
  }

  pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
    // 0 means no limit, so a limit is at least 1 µs.
    let us = timeout.map_or(0, |t| t.as_micros().clamp(1, u32::MAX as u128) as u32);
    // SAFETY: reads the word (which outlives the call) and compares it.
    unsafe { __ulock_wait(UL_COMPARE_AND_WAIT_SHARED, word.as_ptr().cast(), expected as u64, us) };
  }

  pub fn wake(word: &AtomicU32, count: u32) {
    let addr = word.as_ptr().cast();
    // SAFETY: looks the address up among the kernel's waiters.
    if count == super::WAKE_ALL {
      unsafe { __ulock_wake(UL_COMPARE_AND_WAIT_SHARED | ULF_WAKE_ALL, addr, 0) };
      return;
    }
    for _ in 0..count {
      // No waiter left (ENOENT): stop.
      if unsafe { __ulock_wake(UL_COMPARE_AND_WAIT_SHARED, addr, 0) } != 0 {
        break;
      }
    }
  }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
mod imp {
  use std::sync::atomic::{AtomicU32, Ordering};
  use std::time::{Duration, Instant};

  const STEP: Duration = Duration::from_millis(1);

  pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
    let deadline = timeout.map(|t| Instant::now() + t);
    while word.load(Ordering::Acquire) == expected {
      let step = match deadline {
        Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
          Some(left) if !left.is_zero() => left.min(STEP),
          _ => return,
        },
        None => STEP,
      };
      std::thread::sleep(step);
    }
  }

  pub fn wake(_word: &AtomicU32, _count: u32) {
    // Waiters re-read the word every STEP.
  }
}
