//! Where every `SharedMemory` lives: blocks of OS shared-memory segments
//! (`os::Segment`), as CPython's `multiprocessing.heap` carves its arenas.
//!
//! Small objects (values, locks, wait counts) share 1 MiB segments, in
//! power-of-two size classes with a free list each; an object larger than the
//! largest class gets a segment of its own, returned to the OS when the last
//! process drops it. Small-object segments stay mapped for the life of the
//! process, so a block can always be located while its object is alive.
//!
//! Invariant: a block is reused only if it never left this process
//! ([`Block::locate`] marks it exported): another process may still use an
//! exported block after this one dropped it, so it is never handed out again.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;

use crate::os::Segment;

const SEGMENT_BYTES: usize = 1 << 20;
const SMALLEST: usize = 8;
/// Size classes 8 B .. 64 KiB.
const CLASSES: usize = 14;
/// Blocks of a class at least this big start on a cache line of their own,
/// so two small locks do not share one line with a third object's traffic.
const LINE: usize = 64;

/// Where another process finds a block: the segment's token (valid while
/// some process of this user holds the segment), the block's offset and length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
  pub token: String,
  pub offset: u64,
  pub len: u64,
}

struct Arena {
  /// Every small-object segment, kept mapped for the process's life.
  segments: Vec<Arc<Segment>>,
  /// Bytes handed out of the last segment.
  used: usize,
  free: [Vec<(Arc<Segment>, usize)>; CLASSES],
}

static ARENA: Mutex<Arena> = Mutex::new(Arena {
  segments: Vec::new(),
  used: SEGMENT_BYTES,
  free: [const { Vec::new() }; CLASSES],
});

/// Segments of other processes mapped here, by token, while some block of
/// them is alive here: one mapping per segment however many objects use it.
static ATTACHED: Mutex<Option<HashMap<String, Weak<Segment>>>> = Mutex::new(None);

fn class_of(len: usize) -> Option<usize> {
  let size = len.max(SMALLEST).next_power_of_two();
  let class = (size / SMALLEST).trailing_zeros() as usize;
  (class < CLASSES).then_some(class)
}

pub(super) struct Block {
  segment: Arc<Segment>,
  offset: usize,
  /// The size class of a block of this process's small-object segments.
  class: Option<usize>,
  exported: AtomicBool,
}

impl Block {
  pub(super) fn zeroed(len: usize) -> io::Result<Self> {
    let Some(class) = class_of(len) else {
      // Its own segment: fresh from the OS, hence zero.
      let segment = Arc::new(Segment::create(len)?);
      return Ok(Self { segment, offset: 0, class: None, exported: AtomicBool::new(false) });
    };
    let size = SMALLEST << class;
    let mut arena = ARENA.lock();
    if let Some((segment, offset)) = arena.free[class].pop() {
      // SAFETY: a freed block of ours that never left this process: nothing
      // else refers to its bytes any more.
      unsafe { std::ptr::write_bytes(segment.mapping().as_ptr().add(offset), 0, size) };
      return Ok(Self { segment, offset, class: Some(class), exported: AtomicBool::new(false) });
    }
    let align = size.min(LINE);
    let mut offset = arena.used.next_multiple_of(align);
    if offset + size > SEGMENT_BYTES {
      arena.segments.push(Arc::new(Segment::create(SEGMENT_BYTES)?));
      offset = 0;
    }
    arena.used = offset + size;
    let segment = arena.segments.last().expect("a segment was just made").clone();
    Ok(Self { segment, offset, class: Some(class), exported: AtomicBool::new(false) })
  }

  pub(super) fn attach(location: &Location) -> io::Result<Self> {
    let offset = location.offset as usize;
    let mut attached = ATTACHED.lock();
    let attached = attached.get_or_insert_with(HashMap::new);
    let segment = match attached.get(&location.token).and_then(Weak::upgrade) {
      Some(segment) => segment,
      None => {
        let segment = Arc::new(Segment::attach(&location.token)?);
        attached.retain(|_, weak| weak.strong_count() > 0);
        attached.insert(location.token.clone(), Arc::downgrade(&segment));
        segment
      }
    };
    if offset.checked_add(location.len as usize).is_none_or(|end| end > segment.mapping().len()) {
      return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{location:?} is outside its segment")));
    }
    // Not ours to reuse: never freed into this process's arena.
    Ok(Self { segment, offset, class: None, exported: AtomicBool::new(true) })
  }

  pub(super) fn as_ptr(&self) -> *mut u8 {
    // SAFETY: offset is within the mapping (allocated or checked at attach).
    unsafe { self.segment.mapping().as_ptr().add(self.offset) }
  }

  pub(super) fn locate(&self, len: usize) -> Location {
    self.exported.store(true, Ordering::SeqCst);
    Location { token: self.segment.token().to_owned(), offset: self.offset as u64, len: len as u64 }
  }
}

impl Drop for Block {
  fn drop(&mut self) {
    if let Some(class) = self.class {
      if !self.exported.load(Ordering::SeqCst) {
        ARENA.lock().free[class].push((self.segment.clone(), self.offset));
      }
    }
  }
}

#[cfg(all(test, target_os = "linux", not(loom)))]
mod tests {
  use super::super::SharedMemory;
  use crate::forked::{exit_code, fork};
  use std::sync::atomic::Ordering;

  #[test]
  fn another_process_attaches_a_located_block_small_or_big() {
    for len in [12, 200_000] {
      let memory = SharedMemory::zeroed(len);
      memory.cell(1).store(7, Ordering::SeqCst);
      let location = memory.locate();
      let pid = fork(move || match SharedMemory::attach(&location) {
        Ok(attached) if attached.cell(1).load(Ordering::SeqCst) == 7 => {
          attached.cell(0).store(9, Ordering::SeqCst);
          0
        }
        _ => 1,
      });
      assert_eq!(exit_code(pid), 0, "the child saw the block ({len} bytes)");
      assert_eq!(memory.cell(0).load(Ordering::SeqCst), 9);
    }
  }

  #[test]
  fn an_exported_block_is_not_reused() {
    let memory = SharedMemory::zeroed(40);
    let location = memory.locate();
    let ptr = memory.as_ptr();
    drop(memory);
    let others: Vec<SharedMemory> = (0..64).map(|_| SharedMemory::zeroed(40)).collect();
    assert!(others.iter().all(|other| other.as_ptr() != ptr), "{location:?} was handed out again");
  }

  #[test]
  fn a_location_outside_its_segment_is_refused() {
    let memory = SharedMemory::zeroed(16);
    let mut location = memory.locate();
    location.offset = 1 << 40;
    assert!(SharedMemory::attach(&location).is_err());
  }
}
