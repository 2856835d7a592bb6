//! What the process context needs from the OS beyond what Node offers: a child
//! that cannot outlive its parent, and a parent that can learn a child's exit
//! status while its own event loop is blocked (`Process.joinSync`).
//!
//! Exit statuses use Python's convention: `n` for an exit with code `n`, `-N`
//! for a death by signal `N`.

use std::io;
use std::time::{Duration, Instant};

/// Ends this process as soon as the process `parent` is gone, however the
/// parent ended (SIGKILL included), so a process-context child is never left
/// running as an orphan. Returns `false` where the OS gives no way to do it
/// (the caller then relies on its channel to the parent closing).
///
/// Linux: the kernel sends SIGKILL when the parent dies (`PR_SET_PDEATHSIG`).
/// Other Unixes: a thread checks `getppid()` four times a second. Either way, a
/// parent that died before this call is noticed at once.
pub fn die_with_parent(parent: u32) -> bool {
  imp::die_with_parent(parent)
}

/// The exit status of child `pid` once it has ended, waiting at most
/// `timeout` (`None`: for ever). `Ok(None)`: still running. The child is not
/// reaped, so the runtime that spawned it still sees it end (on Unix,
/// `waitid` with `WNOWAIT`).
pub fn wait_exit(pid: u32, timeout: Option<Duration>) -> io::Result<Option<i32>> {
  let deadline = timeout.map(|t| Instant::now() + t);
  // A child usually ends soon after it is waited for: poll fast at first.
  let mut pause = Duration::from_micros(200);
  loop {
    if let Some(status) = imp::peek_exit(pid)? {
      return Ok(Some(status));
    }
    let now = Instant::now();
    let step = match deadline {
      Some(deadline) if now >= deadline => return Ok(None),
      Some(deadline) => pause.min(deadline - now),
      None => pause,
    };
    std::thread::sleep(step);
    pause = (pause * 2).min(Duration::from_millis(10));
  }
}

#[cfg(unix)]
mod imp {
  use std::io;
  #[cfg(not(target_os = "linux"))]
  use std::time::Duration;

  // si_code values of waitid(2), the same on Linux and macOS.
  const CLD_EXITED: i32 = 1;

  pub fn die_with_parent(parent: u32) -> bool {
    let armed = arm(parent);
    // SAFETY: getppid has no preconditions.
    if unsafe { libc::getppid() } as u32 != parent {
      kill_self();
    }
    armed
  }

  #[cfg(target_os = "linux")]
  fn arm(_parent: u32) -> bool {
    // SAFETY: PR_SET_PDEATHSIG takes a signal number and changes nothing else.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) == 0 }
  }

  #[cfg(not(target_os = "linux"))]
  fn arm(parent: u32) -> bool {
    std::thread::Builder::new()
      .name("multiproc-parent-watch".into())
      .spawn(move || loop {
        std::thread::sleep(Duration::from_millis(250));
        // SAFETY: getppid has no preconditions.
        if unsafe { libc::getppid() } as u32 != parent {
          kill_self();
        }
      })
      .is_ok()
  }

  fn kill_self() {
    // SAFETY: signals this process only.
    unsafe {
      libc::kill(libc::getpid(), libc::SIGKILL);
    }
  }

  pub fn peek_exit(pid: u32) -> io::Result<Option<i32>> {
    // SAFETY: a zeroed siginfo_t is a valid out-parameter; waitid fills it.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
    // SAFETY: `info` outlives the call.
    if unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, flags) } != 0 {
      return Err(io::Error::last_os_error());
    }
    // SAFETY: waitid set these fields (si_pid stays 0 while the child runs).
    let (found, status) = unsafe { (info.si_pid(), info.si_status()) };
    if found == 0 {
      return Ok(None);
    }
    Ok(Some(if info.si_code == CLD_EXITED { status } else { -status }))
  }
}

#[cfg(not(unix))]
mod imp {
  use std::io;

  pub fn die_with_parent(_parent: u32) -> bool {
    false
  }

  pub fn peek_exit(_pid: u32) -> io::Result<Option<i32>> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "reading a child's exit status without reaping it is not implemented on this OS yet"))
  }
}

#[cfg(all(test, unix))]
mod tests {
  use super::*;
  use std::process::Command;

  #[test]
  fn reads_an_exit_code_without_reaping() {
    let mut child = Command::new("sh").args(["-c", "exit 7"]).spawn().unwrap();
    assert_eq!(wait_exit(child.id(), Some(Duration::from_secs(10))).unwrap(), Some(7));
    // Still there for its spawner to reap.
    assert_eq!(child.wait().unwrap().code(), Some(7));
  }

  #[test]
  fn reports_death_by_signal_as_minus_the_signal() {
    let mut child = Command::new("sh").args(["-c", "kill -TERM $$; sleep 5"]).spawn().unwrap();
    assert_eq!(wait_exit(child.id(), Some(Duration::from_secs(10))).unwrap(), Some(-15));
    child.wait().unwrap();
  }

  #[test]
  fn a_running_child_times_out() {
    let mut child = Command::new("sleep").arg("5").spawn().unwrap();
    assert_eq!(wait_exit(child.id(), Some(Duration::from_millis(30))).unwrap(), None);
    child.kill().unwrap();
    child.wait().unwrap();
  }
}
