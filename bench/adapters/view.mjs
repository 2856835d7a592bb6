// No library: the same operations in plain JS on a SharedArray's `view` (a TypedArray
// method where there is one, else a loop), the baseline of the bulk scenarios.
import { createRequire } from 'node:module';

const { SharedArray } = createRequire(import.meta.url)('../..');

export function bulkArray(code, n) {
  const view = new SharedArray(code, n).view;
  return {
    view,
    sort: () => view.sort(),
    sum: () => {
      let sum = 0;
      for (let i = 0; i < view.length; i++) sum += view[i];
      return sum;
    },
    // Math.min/max per item, as SharedArray's min/max: NaN wins, -0 is below +0.
    min: () => {
      let min = view[0];
      for (let i = 1; i < view.length; i++) min = Math.min(min, view[i]);
      return min;
    },
    max: () => {
      let max = view[0];
      for (let i = 1; i < view.length; i++) max = Math.max(max, view[i]);
      return max;
    },
    fill: (x) => view.fill(x),
    indexOf: (x) => view.indexOf(x),
  };
}
