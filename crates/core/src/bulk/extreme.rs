//! Minimum and maximum in one pass, by sort key: so -0 is below +0, and a NaN
//! (whose key is the largest) makes both NaN, as `Math.min`/`Math.max` do.

use rayon::prelude::*;

use super::element::Element;
use super::CHUNK;

/// `(min, max)`, or None for no elements.
pub fn extremes<T: Element>(cells: &[T::Cell], parallel: bool) -> Option<(T, T)> {
  let of_chunk = |chunk: &[T::Cell]| {
    let first = T::load(&chunk[0]).key();
    chunk.iter().fold((first, first), |(lo, hi), c| {
      let k = T::load(c).key();
      (lo.min(k), hi.max(k))
    })
  };
  let both = |(lo1, hi1): (T::Key, T::Key), (lo2, hi2): (T::Key, T::Key)| (lo1.min(lo2), hi1.max(hi2));
  let (lo, hi) = if parallel {
    cells.par_chunks(CHUNK).map(of_chunk).reduce_with(both)
  } else {
    cells.chunks(CHUNK).map(of_chunk).reduce(both)
  }?;
  let max = T::from_key(hi);
  Some((if T::is_nan_key(hi) { max } else { T::from_key(lo) }, max))
}
