// Seeded pseudo-random doubles, so every library's process sorts the same data.

export function randomDoubles(n, seed = 1) {
  const out = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    // xorshift32, mapped to [-1, 1)
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/** Throws unless `view` is in ascending order (checked untimed after each sort). */
export function assertAscending(view, what) {
  for (let i = 1; i < view.length; i++) {
    if (view[i - 1] > view[i]) throw new Error(`${what}: not sorted at index ${i}`);
  }
}
