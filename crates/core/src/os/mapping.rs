use std::io;

/// Bytes mapped into this process's address space, shared with every other
/// process that maps the same object. Unmapped on drop: whoever hands out
/// views (typed arrays, references) keeps the `Mapping` alive at least as long.
pub struct Mapping {
  ptr: *mut u8,
  len: usize,
}

// SAFETY: the mapping is plain memory valid until drop; all access to the
// bytes goes through atomics or through views whose users synchronize.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
  pub fn as_ptr(&self) -> *mut u8 {
    self.ptr
  }

  /// Length in bytes.
  pub fn len(&self) -> usize {
    self.len
  }

  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  /// The `index`-th 32-bit word, for state kept in the mapping itself.
  pub fn word(&self, index: usize) -> &std::sync::atomic::AtomicU32 {
    assert!((index + 1) * 4 <= self.len, "word {index} is outside the mapping");
    // SAFETY: in bounds (checked above), 4-aligned (mappings are
    // page-aligned), and only ever accessed atomically.
    unsafe { &*(self.ptr as *const std::sync::atomic::AtomicU32).add(index) }
  }

  /// Maps `len` bytes of the shared memory object `fd` read-write.
  #[cfg(unix)]
  pub fn map_fd(fd: std::os::fd::BorrowedFd<'_>, len: usize) -> io::Result<Self> {
    use std::os::fd::AsRawFd;
    // SAFETY: a fresh shared mapping of an fd we borrow; no existing memory is affected.
    let ptr = unsafe {
      libc::mmap(
        std::ptr::null_mut(),
        len.max(1),
        libc::PROT_READ | libc::PROT_WRITE,
        libc::MAP_SHARED,
        fd.as_raw_fd(),
        0,
      )
    };
    if ptr == libc::MAP_FAILED {
      return Err(io::Error::last_os_error());
    }
    Ok(Self { ptr: ptr.cast(), len })
  }

  /// Maps all of the file-mapping object `handle` read-write.
  #[cfg(windows)]
  pub fn map_handle(handle: windows_sys::Win32::Foundation::HANDLE, len: usize) -> io::Result<Self> {
    use windows_sys::Win32::System::Memory::{MapViewOfFile, FILE_MAP_ALL_ACCESS};
    // SAFETY: a fresh view of a mapping object we hold open.
    let view = unsafe { MapViewOfFile(handle, FILE_MAP_ALL_ACCESS, 0, 0, len.max(1)) };
    if view.Value.is_null() {
      return Err(io::Error::last_os_error());
    }
    Ok(Self { ptr: view.Value.cast(), len })
  }

  /// Maps all of the file-mapping object `handle`, whose size this process
  /// does not know: its length is the view's, rounded up to whole pages.
  #[cfg(windows)]
  pub fn map_whole_handle(handle: windows_sys::Win32::Foundation::HANDLE) -> io::Result<Self> {
    use windows_sys::Win32::System::Memory::{MapViewOfFile, VirtualQuery, FILE_MAP_ALL_ACCESS, MEMORY_BASIC_INFORMATION};
    // SAFETY: a fresh view of all of a mapping object we hold open.
    let view = unsafe { MapViewOfFile(handle, FILE_MAP_ALL_ACCESS, 0, 0, 0) };
    if view.Value.is_null() {
      return Err(io::Error::last_os_error());
    }
    // Owned from here: dropped (unmapped) if the query fails.
    let mut mapping = Self { ptr: view.Value.cast(), len: 0 };
    // SAFETY: queries the region of the view just mapped into a zeroed struct.
    let mut info: MEMORY_BASIC_INFORMATION = unsafe { std::mem::zeroed() };
    if unsafe { VirtualQuery(view.Value, &mut info, std::mem::size_of::<MEMORY_BASIC_INFORMATION>()) } == 0 {
      return Err(io::Error::last_os_error());
    }
    mapping.len = info.RegionSize;
    Ok(mapping)
  }
}

impl Drop for Mapping {
  fn drop(&mut self) {
    // SAFETY: unmaps exactly what the constructor mapped; nothing refers to it
    // any more (the owner outlives every view).
    #[cfg(unix)]
    unsafe {
      libc::munmap(self.ptr.cast(), self.len.max(1));
    }
    #[cfg(windows)]
    unsafe {
      use windows_sys::Win32::System::Memory::{UnmapViewOfFile, MEMORY_MAPPED_VIEW_ADDRESS};
      UnmapViewOfFile(MEMORY_MAPPED_VIEW_ADDRESS { Value: self.ptr.cast() });
    }
  }
}
