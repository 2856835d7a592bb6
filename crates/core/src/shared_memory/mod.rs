use std::io;

use crate::shim::{AtomicI32, AtomicU64};

#[cfg(not(loom))]
mod arena;

#[cfg(not(loom))]
pub use arena::Location;

/// Zero-filled memory shared by every thread holding its `Arc`, and by every
/// process that attached it ([`SharedMemory::locate`], [`SharedMemory::attach`]),
/// 8-byte aligned so any typed array (up to `Float64Array`/`BigInt64Array`)
/// can view it.
///
/// The bytes are only ever touched through atomics or through JS typed arrays;
/// they do not move while any view exists because views hold an `Arc` to this.
/// They live in an OS shared-memory segment from the start (see `arena`), so
/// an object created for threads can later be sent to a process as it is.
pub struct SharedMemory {
  #[cfg(not(loom))]
  block: arena::Block,
  /// Under loom the memory is loom's atomics, which cannot alias each other
  /// (loom models have no JS views and no processes).
  #[cfg(loom)]
  cells: Box<[AtomicU64]>,
  #[cfg(loom)]
  words: Box<[AtomicI32]>,
  len: usize,
}

impl SharedMemory {
  /// `len` zero bytes; panics if the OS refuses shared memory (see [`try_zeroed`](Self::try_zeroed)).
  pub fn zeroed(len: usize) -> Self {
    Self::try_zeroed(len).unwrap_or_else(|error| panic!("cannot allocate {len} bytes of shared memory: {error}"))
  }

  /// `len` zero bytes, or the OS's error (out of memory or file descriptors).
  pub fn try_zeroed(len: usize) -> io::Result<Self> {
    #[cfg(not(loom))]
    return Ok(Self { block: arena::Block::zeroed(len)?, len });
    #[cfg(loom)]
    {
      let cells: Box<[AtomicU64]> = (0..len.div_ceil(8).max(1)).map(|_| AtomicU64::new(0)).collect();
      Ok(Self { words: (0..cells.len() * 2).map(|_| AtomicI32::new(0)).collect(), cells, len })
    }
  }

  /// Where another process finds this memory. From then on its bytes are
  /// never reused in this process, even once it is dropped here.
  #[cfg(not(loom))]
  pub fn locate(&self) -> Location {
    self.block.locate(self.len)
  }

  /// The memory another process [located](Self::locate), mapped here.
  #[cfg(not(loom))]
  pub fn attach(location: &Location) -> io::Result<Self> {
    Ok(Self { block: arena::Block::attach(location)?, len: location.len as usize })
  }

  /// Length in bytes.
  pub fn len(&self) -> usize {
    self.len
  }

  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  /// Start of the bytes, for views created by the binding.
  pub fn as_ptr(&self) -> *mut u8 {
    #[cfg(not(loom))]
    return self.block.as_ptr();
    #[cfg(loom)]
    return self.cells.as_ptr() as *mut u8;
  }

  /// Whole 8-byte cells (the memory is at least one cell, however short).
  fn cells(&self) -> usize {
    self.len.div_ceil(8).max(1)
  }

  /// The `index`-th 64-bit cell.
  pub fn cell(&self, index: usize) -> &AtomicU64 {
    assert!(index < self.cells(), "cell {index} is outside the shared memory");
    #[cfg(loom)]
    return &self.cells[index];
    // SAFETY: in bounds (checked above; blocks are whole cells), 8-aligned,
    // and only ever accessed atomically or through JS views.
    #[cfg(not(loom))]
    return unsafe { &*(self.as_ptr() as *const AtomicU64).add(index) };
  }

  /// The `index`-th 32-bit word.
  pub fn word(&self, index: usize) -> &AtomicI32 {
    assert!(index < self.cells() * 2, "word {index} is outside the shared memory");
    #[cfg(loom)]
    let word = &self.words[index];
    // SAFETY: in bounds (checked above), 4-aligned (the cells are 8-aligned),
    // and AtomicI32 has the size and alignment of i32, so this aliases the
    // AtomicU64 cells only through atomic accesses.
    #[cfg(not(loom))]
    let word = unsafe { &*(self.as_ptr() as *const AtomicI32).add(index) };
    word
  }
}

#[cfg(all(test, not(loom)))]
mod tests {
  use super::*;
  use std::sync::atomic::Ordering;

  #[test]
  fn zero_filled_aligned_and_word_addressable() {
    let memory = SharedMemory::zeroed(13);
    assert_eq!(memory.len(), 13);
    assert_eq!(memory.as_ptr() as usize % 8, 0);
    memory.word(3).store(-7, Ordering::SeqCst);
    let bytes = unsafe { std::slice::from_raw_parts(memory.as_ptr(), 16) };
    assert_eq!(&bytes[12..16], &(-7i32).to_ne_bytes());
    assert!(bytes[..12].iter().all(|&b| b == 0));
  }

  #[test]
  #[should_panic(expected = "outside")]
  fn words_are_bounds_checked() {
    SharedMemory::zeroed(8).word(2);
  }

  #[test]
  fn freed_memory_is_zero_again_when_reused() {
    for _ in 0..3 {
      let memory = SharedMemory::zeroed(24);
      assert!((0..3).all(|i| memory.cell(i).load(Ordering::SeqCst) == 0));
      for i in 0..3 {
        memory.cell(i).store(u64::MAX, Ordering::SeqCst);
      }
    }
  }

  #[test]
  fn big_and_small_blocks_do_not_overlap() {
    let blocks: Vec<SharedMemory> = [3, 8, 100, 4096, 70_000, 1 << 20, 8].iter().map(|&len| SharedMemory::zeroed(len)).collect();
    for (i, block) in blocks.iter().enumerate() {
      assert_eq!(block.as_ptr() as usize % 8, 0);
      let cells = block.len().div_ceil(8);
      for c in 0..cells {
        block.cell(c).store(i as u64 + 1, Ordering::SeqCst);
      }
    }
    for (i, block) in blocks.iter().enumerate() {
      let cells = block.len().div_ceil(8);
      assert!((0..cells).all(|c| block.cell(c).load(Ordering::SeqCst) == i as u64 + 1), "block {i} was overwritten");
    }
  }
}
