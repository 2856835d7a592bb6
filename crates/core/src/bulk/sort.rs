//! Sorting: copy the elements out as sort keys, sort the private copy, copy
//! back. Concurrent writers (see `Elements`) can then never make the sort
//! itself misbehave, only have their write overwritten.
//!
//! In parallel, a sample sort: splitters drawn from the elements cut the keys
//! into `BUCKETS` ranges, each chunk of elements is scattered to its ranges,
//! and the ranges are sorted at once, one per pool thread at a time, by std's
//! `sort_unstable`. (rayon's `par_sort_unstable` lost to one std sort on 2
//! cores: its quicksort does more work, and its first partitions run on one
//! thread.)

use rayon::prelude::*;

use super::element::Element;
use super::CHUNK;

/// Enough ranges that uneven ones still keep every thread busy (a power of
/// two, for `bucket_of`).
const BUCKETS: usize = 64;
/// Samples per bucket drawn to choose the splitters.
const OVERSAMPLE: usize = 16;

pub fn sort<T: Element>(cells: &[T::Cell], parallel: bool) {
  if parallel && !cells.is_empty() {
    let sorted = sample_sort::<T>(cells);
    cells
      .par_chunks(CHUNK)
      .zip(sorted.par_chunks(CHUNK))
      .for_each(|(cells, keys)| store::<T>(cells, keys));
  } else {
    let mut keys: Vec<T::Key> = cells.iter().map(|c| T::load(c).key()).collect();
    keys.sort_unstable();
    store::<T>(cells, &keys);
  }
}

fn store<T: Element>(cells: &[T::Cell], keys: &[T::Key]) {
  for (c, &k) in cells.iter().zip(keys) {
    T::store(c, T::from_key(k));
  }
}

/// A pointer several pool threads write through, each to its own indexes.
struct Scatter<K>(*mut K);
// SAFETY: see the one use below; the writes never overlap.
unsafe impl<K: Send> Send for Scatter<K> {}
unsafe impl<K: Send> Sync for Scatter<K> {}

/// The elements' keys, sorted.
fn sample_sort<T: Element>(cells: &[T::Cell]) -> Vec<T::Key> {
  let n = cells.len();
  // Pseudo-random positions, so periodic data cannot fool the sample.
  let mut seed = n as u64 | 1;
  let mut samples: Vec<T::Key> = (0..BUCKETS * OVERSAMPLE)
    .map(|_| {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      T::load(&cells[(seed % n as u64) as usize]).key()
    })
    .collect();
  samples.sort_unstable();
  let splitters: Vec<T::Key> = (1..BUCKETS).map(|b| samples[b * OVERSAMPLE]).collect();
  // How many splitters are <= k, by halving steps without a branch (a
  // binary search's mispredictions cost more than the rest of the sort).
  let bucket_of = |k: &T::Key| {
    let mut b = 0;
    let mut step = BUCKETS / 2;
    while step > 0 {
      b += usize::from(splitters[b + step - 1] <= *k) * step;
      step /= 2;
    }
    b as u8
  };

  // Pass 1: the keys, the bucket of each, and how many of each chunk's
  // keys went to each bucket.
  let keys: Vec<T::Key> = cells.par_iter().with_min_len(CHUNK).map(|c| T::load(c).key()).collect();
  let mut buckets = vec![0u8; n];
  let counts: Vec<[usize; BUCKETS]> = keys
    .par_chunks(CHUNK)
    .zip(buckets.par_chunks_mut(CHUNK))
    .map(|(keys, of)| {
      let mut count = [0; BUCKETS];
      for (k, b) in keys.iter().zip(of) {
        *b = bucket_of(k);
        count[*b as usize] += 1;
      }
      count
    })
    .collect();

  // Where each chunk's share of each bucket starts: bucket by bucket, and
  // within a bucket chunk by chunk.
  let mut starts = vec![[0usize; BUCKETS]; counts.len()];
  let mut bounds = vec![0usize; BUCKETS + 1];
  let mut at = 0;
  for b in 0..BUCKETS {
    bounds[b] = at;
    for (start, count) in starts.iter_mut().zip(&counts) {
      start[b] = at;
      at += count[b];
    }
  }
  bounds[BUCKETS] = n;

  // Pass 2: scatter.
  let mut out: Vec<T::Key> = Vec::with_capacity(n);
  let target = Scatter(out.as_mut_ptr());
  keys
    .par_chunks(CHUNK)
    .zip(buckets.par_chunks(CHUNK))
    .zip(starts.into_par_iter())
    .for_each(|((keys, of), mut next)| {
      let target = &target;
      for (&k, &b) in keys.iter().zip(of) {
        // SAFETY: `next[b]` walks this chunk's own slots of bucket `b`, which
        // no other chunk writes, and stays below n (the counts add up to n).
        unsafe { target.0.add(next[b as usize]).write(k) };
        next[b as usize] += 1;
      }
    });
  // SAFETY: every one of the n slots was written exactly once above.
  unsafe { out.set_len(n) };
  // Freed before the sorts, which need only `out` (0.9 GB less at 1e8 doubles).
  drop((keys, buckets));

  // Pass 3: each bucket sorted on its own.
  let mut ranges = Vec::with_capacity(BUCKETS);
  let mut rest = out.as_mut_slice();
  for b in 0..BUCKETS {
    let (range, tail) = rest.split_at_mut(bounds[b + 1] - bounds[b]);
    ranges.push(range);
    rest = tail;
  }
  ranges.into_par_iter().for_each(|range| range.sort_unstable());
  out
}
