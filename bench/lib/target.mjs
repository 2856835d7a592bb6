// Evaluates one of a scenario's targets against the medians of one run, and describes it.
// Relative: ratio = multiproc / reference (the best of `ref`), met when ratio >= factor
// (higher is better) or <= factor (lower is better). Absolute: multiproc's median against
// the fixed number `absolute`, in the scenario's unit. `threshold` is the median that just
// meets the target, in that unit.
import { labelOf } from '../config.mjs';
import { fmt } from './stats.mjs';

export function evaluateTarget(scenario, t, medians) {
  const mine = medians.multiproc;
  const op = scenario.higherIsBetter ? '≥' : '≤';
  const base = { text: t.text, op };
  let ref = null;
  let refName = null;
  let factor = 1;
  if (t.absolute == null) {
    const have = t.ref.filter((l) => medians[l] != null);
    if (!have.length) return { ...base, status: 'N/A', why: 'no reference result' };
    ref = (scenario.higherIsBetter ? Math.max : Math.min)(...have.map((l) => medians[l]));
    refName = have.find((l) => medians[l] === ref);
    factor = t.factor;
  }
  const threshold = ref == null ? t.absolute : ref * factor;
  if (mine == null) return { ...base, status: 'N/A', why: 'no multiproc result', ref, refName, factor, threshold };
  const ratio = mine / (ref ?? t.absolute);
  const pass = scenario.higherIsBetter ? ratio >= factor : ratio <= factor;
  return { ...base, status: pass ? 'PASS' : 'MISS', ref, refName, factor, threshold, ratio, mine };
}

// Two decimals (three significant digits for absolute values), more where that would
// print the target itself on a miss (1.00× ≤ 1×, 20.0M ≥ 20.0M).
function closeCall(value, threshold, digits, show) {
  return show(value, digits) === show(threshold, digits) ? show(value, digits + 1) : show(value, digits);
}

// "1.42× piscina (need ≥ 2×)", or for an absolute target "54.8M ops/s (need ≥ 20.0M ops/s)".
export function describeTarget(scenario, t) {
  if (t.ratio == null) return `— (${t.why})`;
  if (t.refName == null) {
    const u = scenario.unit;
    return `${closeCall(t.mine, t.threshold, 3, fmt)} ${u} (need ${t.op} ${fmt(t.threshold)} ${u})`;
  }
  const ratio = closeCall(t.ratio, t.factor, 2, (x, d) => x.toFixed(d));
  return `${ratio}× ${labelOf(scenario, t.refName)} (need ${t.op} ${t.factor}×)`;
}
