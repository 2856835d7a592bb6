//! What the core needs from the OS to share state between processes: memory
//! that several processes map ([`Segment`], attached by a token, and
//! [`NamedSegment`], by a name any process may know), and waits on a 32-bit
//! word in that memory that another process can wake ([`wait`], [`wake`]).
//! On POSIX, [`tracker`] removes the named segments a program leaves behind.
//!
//! This is the only per-OS code of the shared kinds: everything above it
//! works on a [`Mapping`]'s bytes and on these two calls, the same in threads
//! and processes. Only Linux is exercised by the tests here; the other OSes'
//! code is compiled in the release workflow's `cargo check` matrix.

mod mapping;
pub mod named;
#[cfg(unix)]
mod posix;
mod segment;
#[cfg(unix)]
pub mod tracker;
mod wait;
#[cfg(windows)]
mod win;

pub use mapping::Mapping;
pub use named::NamedSegment;
pub use segment::Segment;
pub use wait::{wait, wake, WAKE_ALL};

#[cfg(all(test, target_os = "linux", not(loom)))]
mod tests {
  use super::*;
  use crate::forked::{exit_code, fork};
  use std::sync::atomic::{AtomicU32, Ordering};
  use std::time::{Duration, Instant};

  #[test]
  fn another_process_attaches_by_token_and_both_see_each_others_writes() {
    let segment = Segment::create(4096).unwrap();
    assert_eq!(segment.mapping().len(), 4096);
    assert_eq!(segment.mapping().word(7).load(Ordering::SeqCst), 0, "zero-filled");
    segment.mapping().word(0).store(41, Ordering::SeqCst);
    let token = segment.token().to_owned();
    let code = exit_code(fork(move || {
      // A mapping of its own, through the token, not the one fork copied.
      let attached = Segment::attach(&token).unwrap();
      assert_ne!(attached.mapping().as_ptr(), std::ptr::null_mut());
      let seen = attached.mapping().word(0).load(Ordering::SeqCst);
      attached.mapping().word(1).store(seen + 1, Ordering::SeqCst);
      (attached.mapping().len() == 4096) as i32
    }));
    assert_eq!(code, 1, "the child saw the segment's length");
    assert_eq!(segment.mapping().word(1).load(Ordering::SeqCst), 42);
  }

  #[test]
  fn a_wake_from_another_process_ends_a_wait() {
    let segment = Segment::create(64).unwrap();
    let token = segment.token().to_owned();
    // Word 0: the flag the child waits on; word 1: the child is about to wait.
    let child = fork(move || {
      let attached = Segment::attach(&token).unwrap();
      attached.mapping().word(1).store(1, Ordering::SeqCst);
      let started = Instant::now();
      while attached.mapping().word(0).load(Ordering::SeqCst) == 0 {
        wait(attached.mapping().word(0), 0, Some(Duration::from_secs(20)));
      }
      // A lost wake-up would have kept it asleep until its timeout.
      if started.elapsed() > Duration::from_secs(10) {
        return 2;
      }
      0
    });
    while segment.mapping().word(1).load(Ordering::SeqCst) == 0 {
      std::thread::yield_now();
    }
    std::thread::sleep(Duration::from_millis(50)); // most likely asleep in the kernel by now
    segment.mapping().word(0).store(1, Ordering::SeqCst);
    wake(segment.mapping().word(0), WAKE_ALL);
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

  /// A name no other test (or earlier run) uses.
  fn test_name(tag: &str) -> String {
    format!("mpcargo_{}_{tag}", std::process::id())
  }

  fn byte(segment: &NamedSegment, index: usize) -> &std::sync::atomic::AtomicU8 {
    assert!(index < segment.mapping().len());
    // SAFETY: in bounds; only used atomically.
    unsafe { &*(segment.mapping().as_ptr() as *const std::sync::atomic::AtomicU8).add(index) }
  }

  #[test]
  fn another_process_attaches_by_name_and_both_see_each_others_writes() {
    let name = test_name("attach");
    let segment = NamedSegment::create(&name, 10_000).unwrap();
    assert_eq!(segment.mapping().len(), 10_000);
    assert_eq!(byte(&segment, 9_999).load(Ordering::SeqCst), 0, "zero-filled");
    byte(&segment, 0).store(41, Ordering::SeqCst);
    let child_name = name.clone();
    let code = exit_code(fork(move || {
      let attached = NamedSegment::attach(&child_name).unwrap();
      let seen = byte(&attached, 0).load(Ordering::SeqCst);
      byte(&attached, 9_999).store(seen + 1, Ordering::SeqCst);
      (attached.mapping().len() == 10_000) as i32
    }));
    assert_eq!(code, 1, "the child saw the segment's size");
    assert_eq!(byte(&segment, 9_999).load(Ordering::SeqCst), 42);
    named::unlink(&name).unwrap();
  }

  #[test]
  fn a_named_segment_is_for_its_owner_only() {
    let name = test_name("mode");
    let _segment = NamedSegment::create(&name, 1).unwrap();
    let mode = std::fs::metadata(format!("/dev/shm/{name}")).map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()));
    named::unlink(&name).unwrap();
    assert_eq!(mode.unwrap() & 0o777, 0o600);
  }

  #[test]
  fn a_taken_name_a_missing_one_bad_names_and_size_0_are_refused_with_their_kind() {
    use std::io::ErrorKind;
    let name = test_name("refusals");
    let _segment = NamedSegment::create(&name, 8).unwrap();
    let taken = NamedSegment::create(&name, 8).err().unwrap();
    assert_eq!(taken.kind(), ErrorKind::AlreadyExists);
    assert!(taken.to_string().contains(&name), "{taken}");
    named::unlink(&name).unwrap();
    let missing = NamedSegment::attach(&name).err().unwrap();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert!(missing.to_string().contains("no shared memory segment named"), "{missing}");
    assert_eq!(named::unlink(&name).unwrap_err().kind(), ErrorKind::NotFound);
    for bad in ["", "a/b", "a b", ".hidden", "-x", "x\0", &"n".repeat(named::MAX_NAME_LEN + 1)] {
      let error = NamedSegment::create(bad, 8).err().unwrap();
      assert_eq!(error.kind(), ErrorKind::InvalidInput, "{bad:?}");
      assert!(NamedSegment::attach(bad).is_err());
    }
    let longest = "n".repeat(named::MAX_NAME_LEN);
    NamedSegment::create(&longest, 8).map(|_| named::unlink(&longest)).unwrap().unwrap();
    assert_eq!(NamedSegment::create(&test_name("empty"), 0).err().unwrap().kind(), ErrorKind::InvalidInput);
  }

  #[test]
  fn unlink_removes_the_name_and_leaves_the_memory_to_those_that_map_it() {
    let name = test_name("unlink");
    let segment = NamedSegment::create(&name, 64).unwrap();
    let other = NamedSegment::attach(&name).unwrap();
    named::unlink(&name).unwrap();
    assert!(NamedSegment::attach(&name).is_err());
    byte(&segment, 3).store(7, Ordering::SeqCst);
    assert_eq!(byte(&other, 3).load(Ordering::SeqCst), 7);
    // The name is free for a new, separate segment.
    let fresh = NamedSegment::create(&name, 64).unwrap();
    assert_eq!(byte(&fresh, 3).load(Ordering::SeqCst), 0);
    named::unlink(&name).unwrap();
  }

  #[test]
  fn the_tracker_removes_what_was_registered_once_every_writer_is_gone() {
    use std::os::fd::AsFd;
    let (tracked, untracked, unlinked) = (test_name("tracked"), test_name("untracked"), test_name("unlinked"));
    let (read, write) = tracker::pipe().unwrap();
    for name in [&tracked, &untracked, &unlinked] {
      drop(NamedSegment::create(name, 8).unwrap());
    }
    tracker::register(write.as_fd(), &tracked).unwrap();
    let (child_tracked, child_unlinked) = (tracked.clone(), unlinked.clone());
    let child_write = write.try_clone().unwrap();
    // A child holds the write end too (as a program's children do), registers
    // and unregisters, and ends after a while: the tracker waits for it.
    let child = fork(move || {
      tracker::register(child_write.as_fd(), &child_unlinked).unwrap();
      named::unlink(&child_unlinked).unwrap();
      tracker::unregister(child_write.as_fd(), &child_unlinked).unwrap();
      std::thread::sleep(Duration::from_millis(300));
      // Still there: the tracker has not acted while a writer lives.
      NamedSegment::attach(&child_tracked).is_ok() as i32
    });
    drop(write);
    let serving = std::thread::spawn(move || tracker::serve(read).unwrap());
    assert_eq!(exit_code(child), 1);
    assert_eq!(serving.join().unwrap(), vec![tracked.clone()]);
    assert!(NamedSegment::attach(&tracked).is_err(), "the tracked segment was removed");
    assert!(NamedSegment::attach(&untracked).is_ok(), "an untracked segment is left alone");
    named::unlink(&untracked).unwrap();
  }

  #[test]
  fn adopt_refuses_an_fd_that_is_not_open() {
    assert!(tracker::adopt(987_654).is_err());
  }

  #[test]
  fn a_bad_or_stale_token_is_an_error() {
    assert!(Segment::attach("nonsense").is_err());
    let token = Segment::create(16).unwrap().token().to_owned();
    // Dropped: nobody holds it, so it cannot be attached any more.
    assert!(Segment::attach(&token).is_err());
  }
}
