//! Sorting: copy the elements out as sort keys, sort the private copy, copy
//! back. Concurrent writers (see `Elements`) can then never make the sort
//! itself misbehave, only have their write overwritten.

use rayon::prelude::*;

use super::element::Element;
use super::CHUNK;

pub fn sort<T: Element>(cells: &[T::Cell], parallel: bool) {
  if parallel {
    let mut keys: Vec<T::Key> = cells.par_iter().with_min_len(CHUNK).map(|c| T::load(c).key()).collect();
    keys.par_sort_unstable();
    cells
      .par_iter()
      .zip(keys.par_iter())
      .with_min_len(CHUNK)
      .for_each(|(c, &k)| T::store(c, T::from_key(k)));
  } else {
    let mut keys: Vec<T::Key> = cells.iter().map(|c| T::load(c).key()).collect();
    keys.sort_unstable();
    for (c, &k) in cells.iter().zip(&keys) {
      T::store(c, T::from_key(k));
    }
  }
}
