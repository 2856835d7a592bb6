//! The first index of a value; the parallel search stops the chunks past a
//! match.

use rayon::prelude::*;

use super::element::Element;
use super::CHUNK;

pub fn index_of<T: Element>(cells: &[T::Cell], value: T, parallel: bool) -> Option<usize> {
  if parallel {
    cells
      .par_chunks(CHUNK)
      .enumerate()
      .find_map_first(|(i, chunk)| chunk.iter().position(|c| T::load(c) == value).map(|at| i * CHUNK + at))
  } else {
    cells.iter().position(|c| T::load(c) == value)
  }
}
