//! The resource tracker of named segments (POSIX), as Python's: one small
//! process per program removes the segments the program created and never
//! unlinked, once the program has ended, however it ended.
//!
//! It reads a pipe whose write end every process of the program holds (the
//! first opens it, its children inherit it), so its end of file comes when
//! the last of them is gone, closed by the kernel even after SIGKILL. Each
//! message is one line, `R <name>` (created) or `U <name>` (unlinked), written
//! in one `write` shorter than `PIPE_BUF`, so writers never interleave.

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Write};
use std::mem::ManuallyDrop;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use super::named::{check_name, unlink};

/// A new pipe, `(read, write)`, both closed on exec: only the children the
/// program passes the write end to hold it.
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
  let mut fds = [0 as libc::c_int; 2];
  // SAFETY: pipe fills the two-element array.
  if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
    return Err(io::Error::last_os_error());
  }
  // SAFETY: both fds are fresh and ours from here on.
  let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
  // A child spawned by another thread between pipe and here would hold them:
  // macOS has no pipe2, and the window is two syscalls.
  close_on_exec(read.as_raw_fd())?;
  close_on_exec(write.as_raw_fd())?;
  Ok((read, write))
}

/// Takes over `fd`, the write end a child inherited (without close-on-exec,
/// which the spawn cleared), so the programs it runs do not hold it.
pub fn adopt(fd: RawFd) -> io::Result<OwnedFd> {
  close_on_exec(fd)?;
  // SAFETY: the fd was given to this process to own; close_on_exec proved it open.
  Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn close_on_exec(fd: RawFd) -> io::Result<()> {
  // SAFETY: fcntl on a plain fd; fails with EBADF if it is not open.
  let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
  if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC) } < 0 {
    return Err(io::Error::last_os_error());
  }
  Ok(())
}

/// Tells the tracker behind `pipe` that this program created segment `name`.
pub fn register(pipe: BorrowedFd<'_>, name: &str) -> io::Result<()> {
  send(pipe, 'R', name)
}

/// Tells it segment `name` was unlinked: nothing to remove at the end.
pub fn unregister(pipe: BorrowedFd<'_>, name: &str) -> io::Result<()> {
  send(pipe, 'U', name)
}

fn send(pipe: BorrowedFd<'_>, op: char, name: &str) -> io::Result<()> {
  check_name(name)?;
  let line = format!("{op} {name}\n");
  // One write of a few bytes (< PIPE_BUF) is atomic: never interleaved with
  // another process's, never partial. `write_all` retries EINTR.
  // SAFETY: borrowed for the write only; ManuallyDrop leaves the fd open.
  let mut file = ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(pipe.as_raw_fd()) });
  file.write_all(line.as_bytes())
}

/// The tracker's work: reads `pipe` until every writer is gone, then unlinks
/// each segment registered and not unregistered. Returns the names it removed.
pub fn serve(pipe: OwnedFd) -> io::Result<Vec<String>> {
  let mut live = HashSet::new();
  for line in BufReader::new(std::fs::File::from(pipe)).lines() {
    let line = line?;
    match line.split_once(' ') {
      Some(("R", name)) if check_name(name).is_ok() => live.insert(name.to_owned()),
      Some(("U", name)) => live.remove(name),
      // Not ours (nothing else writes here): ignored rather than acted on.
      _ => false,
    };
  }
  // Not found: unlinked by a process that did not say so (or by another program).
  let mut removed: Vec<String> = live.into_iter().filter(|name| unlink(name).is_ok()).collect();
  removed.sort();
  Ok(removed)
}
