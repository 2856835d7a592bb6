//! Filling a range with one value.

use rayon::prelude::*;

use super::element::Element;
use super::CHUNK;

pub fn fill<T: Element>(cells: &[T::Cell], value: T, parallel: bool) {
  if parallel {
    cells.par_chunks(CHUNK).for_each(|chunk| chunk.iter().for_each(|c| T::store(c, value)));
  } else {
    cells.iter().for_each(|c| T::store(c, value));
  }
}
