//! The program: a root process and the process-context children it starts
//! (and theirs). What its processes share, in one small segment the root
//! creates and each child joins by token before it takes an owner token:
//!
//! - word 0, the doorbell: rung (incremented and woken) after a change that a
//!   waiter in another process may be waiting for (see `sync::relay`);
//! - word 1, the next free block of owner tokens;
//! - then, per block, the pid of the process that claimed it, so any process
//!   can tell whether the holder of a lock is still alive.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use crate::os::{self, Segment};

use crate::sync::owner::{BLOCK, OWNER_BITS};

/// Blocks in all: owner tokens fit in OWNER_BITS bits.
const BLOCKS: usize = (1 << OWNER_BITS) / BLOCK as usize;
const DOORBELL: usize = 0;
const NEXT_BLOCK: usize = 1;
const PIDS: usize = 2;

static PROGRAM: OnceLock<Segment> = OnceLock::new();

fn segment() -> &'static Segment {
  PROGRAM.get_or_init(|| {
    // Untouched pages cost nothing: the table is sparse in practice.
    let segment = Segment::create((PIDS + BLOCKS) * 4).unwrap_or_else(|error| panic!("cannot create the program's shared memory: {error}"));
    // Block 0 would hold token 0, which means "nobody".
    segment.mapping().word(NEXT_BLOCK).store(1, Ordering::SeqCst);
    segment
  })
}

fn word(index: usize) -> &'static AtomicU32 {
  segment().mapping().word(index)
}

/// How a child joins this program (creating it in the root).
pub fn token() -> String {
  segment().token().to_owned()
}

/// Joins the program `token` names; must come before this process's first
/// owner token. Fails if already in a program, or if the token is stale.
pub fn join(token: &str) -> io::Result<()> {
  let segment = Segment::attach(token)?;
  PROGRAM
    .set(segment)
    .map_err(|_| io::Error::new(io::ErrorKind::AlreadyExists, "this process already belongs to a program"))
}

/// Claims a fresh block of owner tokens for this process; its first token is
/// `block * BLOCK`.
pub(crate) fn claim_block() -> u32 {
  let block = word(NEXT_BLOCK).fetch_add(1, Ordering::SeqCst);
  assert!((block as usize) < BLOCKS, "out of owner tokens");
  word(PIDS + block as usize).store(std::process::id(), Ordering::SeqCst);
  block
}

/// The pid of the process that claimed `block` (0: none).
pub(crate) fn block_pid(block: u32) -> u32 {
  if block as usize >= BLOCKS {
    return 0;
  }
  word(PIDS + block as usize).load(Ordering::SeqCst)
}

/// Whether process `pid` is still running (a zombie counts as running until reaped).
pub(crate) fn process_alive(pid: u32) -> bool {
  #[cfg(unix)]
  {
    // SAFETY: signal 0 only checks that the process exists.
    let found = unsafe { libc::kill(pid as libc::pid_t, 0) } == 0;
    found || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
  }
  // Unverified elsewhere: assume alive (a dead holder is then never taken over).
  #[cfg(not(unix))]
  {
    let _ = pid;
    true
  }
}

/// The doorbell's current count, to wait on with [`wait_doorbell`].
pub(crate) fn doorbell() -> u32 {
  word(DOORBELL).load(Ordering::SeqCst)
}

pub(crate) fn wait_doorbell(seen: u32, timeout: Option<std::time::Duration>) {
  os::wait(word(DOORBELL), seen, timeout);
}

/// Tells every process of the program that some shared state changed.
pub(crate) fn ring() {
  word(DOORBELL).fetch_add(1, Ordering::SeqCst);
  os::wake(word(DOORBELL), os::WAKE_ALL);
}
