// Evaluates a scenario's target against the medians of one run.
// ratio = multiproc / reference (reference = best of `ref`, or 1 for an absolute target),
// and the target is met when ratio >= factor (higher is better) or <= factor (lower is better).

export function evaluateTarget(scenario, medians) {
  const t = scenario.target;
  const mine = medians.multiproc;
  const base = { text: t.text, op: scenario.higherIsBetter ? '≥' : '≤', factor: t.absolute ?? t.factor };
  let ref = 1;
  let refName = 'serial';
  if (t.absolute == null) {
    const have = t.ref.filter((l) => medians[l] != null);
    if (!have.length) return { ...base, status: 'N/A', why: 'no reference result' };
    ref = (scenario.higherIsBetter ? Math.max : Math.min)(...have.map((l) => medians[l]));
    refName = have.find((l) => medians[l] === ref);
  }
  if (mine == null) return { ...base, status: 'N/A', why: 'no multiproc result', ref, refName };
  const ratio = mine / ref;
  const pass = scenario.higherIsBetter ? ratio >= base.factor : ratio <= base.factor;
  return { ...base, status: pass ? 'PASS' : 'MISS', ref, refName, ratio, mine };
}
