//! The state of `Manager` proxies (thread context): a dict and a list of
//! serialized values living in the core, every operation atomic under one lock.

use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::SeqCst;

use indexmap::IndexMap;
use parking_lot::Mutex;

use crate::queue::Item;

/// The manager behind a proxy has shut down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutDown;

/// `manager.dict()`: keys are encoded by the JS side (so that 1 and "1" differ
/// and -0 is 0, as in a Map); insertion order is kept, as in Python.
///
/// ```
/// use multiproc_core::manager::Dict;
/// use multiproc_core::queue::Item;
///
/// let d = Dict::new();
/// d.set("n:1".into(), Item { format: 1, bytes: vec![1] }).unwrap();
/// assert_eq!(d.len().unwrap(), 1);
/// assert!(d.get("n:1").unwrap().is_some());
/// ```
#[derive(Default)]
pub struct Dict {
  entries: Mutex<IndexMap<String, Item>>,
  shut_down: AtomicBool,
}

impl Dict {
  pub fn new() -> Self {
    Self::default()
  }

  fn entries(&self) -> Result<parking_lot::MutexGuard<'_, IndexMap<String, Item>>, ShutDown> {
    if self.shut_down.load(SeqCst) {
      return Err(ShutDown);
    }
    Ok(self.entries.lock())
  }

  pub fn get(&self, key: &str) -> Result<Option<Item>, ShutDown> {
    Ok(self.entries()?.get(key).cloned())
  }

  pub fn set(&self, key: String, value: Item) -> Result<(), ShutDown> {
    self.entries()?.insert(key, value);
    Ok(())
  }

  /// Sets every pair at once.
  pub fn update(&self, pairs: Vec<(String, Item)>) -> Result<(), ShutDown> {
    self.entries()?.extend(pairs);
    Ok(())
  }

  pub fn delete(&self, key: &str) -> Result<bool, ShutDown> {
    Ok(self.entries()?.shift_remove(key).is_some())
  }

  pub fn has(&self, key: &str) -> Result<bool, ShutDown> {
    Ok(self.entries()?.contains_key(key))
  }

  pub fn len(&self) -> Result<usize, ShutDown> {
    Ok(self.entries()?.len())
  }

  pub fn is_empty(&self) -> Result<bool, ShutDown> {
    Ok(self.len()? == 0)
  }

  /// A consistent copy of every entry, in insertion order.
  pub fn entries_snapshot(&self) -> Result<Vec<(String, Item)>, ShutDown> {
    Ok(
      self
        .entries()?
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect(),
    )
  }

  pub fn clear(&self) -> Result<(), ShutDown> {
    self.entries()?.clear();
    Ok(())
  }

  pub fn shut_down(&self) {
    self.shut_down.store(true, SeqCst);
    self.entries.lock().clear();
  }
}

/// `manager.list()`. `version` changes on every write, so a compound update
/// computed outside the lock (a sort with a JS comparison) can be applied only
/// if nothing changed meanwhile.
#[derive(Default)]
pub struct List {
  state: Mutex<(u64, Vec<Item>)>,
  shut_down: AtomicBool,
}

impl List {
  pub fn new() -> Self {
    Self::default()
  }

  /// Runs `f` on the items under the lock; `write` bumps the version.
  pub fn with<R>(&self, write: bool, f: impl FnOnce(&mut Vec<Item>) -> R) -> Result<R, ShutDown> {
    if self.shut_down.load(SeqCst) {
      return Err(ShutDown);
    }
    let mut state = self.state.lock();
    if write {
      state.0 += 1;
    }
    Ok(f(&mut state.1))
  }

  pub fn snapshot(&self) -> Result<(u64, Vec<Item>), ShutDown> {
    if self.shut_down.load(SeqCst) {
      return Err(ShutDown);
    }
    let state = self.state.lock();
    Ok((state.0, state.1.clone()))
  }

  /// Replaces every item if the list is still at `version`; false otherwise.
  pub fn replace_if(&self, version: u64, items: Vec<Item>) -> Result<bool, ShutDown> {
    if self.shut_down.load(SeqCst) {
      return Err(ShutDown);
    }
    let mut state = self.state.lock();
    if state.0 != version {
      return Ok(false);
    }
    *state = (version + 1, items);
    Ok(true)
  }

  pub fn shut_down(&self) {
    self.shut_down.store(true, SeqCst);
    self.state.lock().1.clear();
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn item(n: u8) -> Item {
    Item {
      format: 0,
      bytes: vec![n],
    }
  }

  #[test]
  fn dict_keeps_insertion_order_and_is_atomic_across_threads() {
    let dict = Dict::new();
    std::thread::scope(|s| {
      for t in 0..4u8 {
        let dict = &dict;
        s.spawn(move || {
          for i in 0..1000u32 {
            dict.set(format!("k{t}-{i}"), item(t)).unwrap();
          }
        });
      }
    });
    assert_eq!(dict.len().unwrap(), 4000);
    dict.set("first".into(), item(9)).unwrap();
    assert_eq!(dict.entries_snapshot().unwrap().last().unwrap().0, "first");
    assert!(dict.delete("first").unwrap());
    dict.shut_down();
    assert_eq!(dict.len(), Err(ShutDown));
  }

  #[test]
  fn list_replace_only_at_the_same_version() {
    let list = List::new();
    list.with(true, |items| items.push(item(1))).unwrap();
    let (version, items) = list.snapshot().unwrap();
    list.with(true, |items| items.push(item(2))).unwrap();
    assert!(!list.replace_if(version, items).unwrap());
    let (version, mut items) = list.snapshot().unwrap();
    items.reverse();
    assert!(list.replace_if(version, items).unwrap());
    assert_eq!(
      list.with(false, |items| items[0].bytes.clone()).unwrap(),
      vec![2]
    );
  }
}
