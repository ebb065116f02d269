// The one agreement rule (viewer/inference/agreement.py): an element agrees when
// |a − b| ≤ atol + rtol·|b| + scale_rtol·scale, scale = max |b| over the output in the
// compared batch; NaN agrees only with NaN. The worst element is the one with the largest
// difference / allowed ratio, as the desktop names it.

export interface Tolerance { atol: number; rtol: number; scale_rtol: number }

export interface Agreement {
  agrees: boolean;
  max_abs: number;
  scale: number;
  worst: number[]; // index of the worst element (worst[0]: its golden sample)
  worst_diff: number;
  worst_allowed: number;
  worst_ratio: number; // diff / allowed at the worst element (0 when all equal)
}

export function describeTolerance(t: Tolerance): string {
  const g = (v: number) => formatG(v);
  let text = `atol ${g(t.atol)} + rtol ${g(t.rtol)}·|x|`;
  if (t.scale_rtol) text += ` + scale_rtol ${g(t.scale_rtol)}·scale`;
  return text;
}

/** Python's "{:g}" of a number (6 significant digits). */
export function formatG(v: number, precision = 6): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(precision)))));
  if (exp < -4 || exp >= precision) {
    const [m, e] = v.toExponential(precision - 1).split("e");
    const mant = m.includes(".") ? m.replace(/0+$/, "").replace(/\.$/, "") : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  const fixed = v.toFixed(Math.max(0, precision - 1 - exp));
  return fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
}

function unravel(index: number, shape: number[]): number[] {
  const out = new Array<number>(shape.length).fill(0);
  for (let k = shape.length - 1; k >= 0; k--) {
    out[k] = index % shape[k];
    index = Math.floor(index / shape[k]);
  }
  return out;
}

export function agreement(
  actual: ArrayLike<number>, expected: ArrayLike<number>, shape: number[], tol: Tolerance,
): Agreement {
  const n = expected.length;
  if (actual.length !== n) throw new Error(`sizes differ: ${actual.length} against ${n}`);
  let scale = 0;
  for (let k = 0; k < n; k++) {
    const b = expected[k];
    if (Number.isFinite(b)) scale = Math.max(scale, Math.abs(b));
  }
  let ok = true, maxAbs = 0, worst = 0, worstRatio = 0, worstDiff = 0;
  let worstAllowed = n ? tol.atol + tol.rtol * mag(expected[0]) + tol.scale_rtol * scale : tol.atol;
  for (let k = 0; k < n; k++) {
    const a = actual[k], b = expected[k];
    let diff = Number.isNaN(a) && Number.isNaN(b) ? 0 : Math.abs(a - b);
    if (Number.isNaN(diff)) diff = Infinity;
    const allowed = tol.atol + tol.rtol * mag(b) + tol.scale_rtol * scale;
    if (!(diff <= allowed)) ok = false;
    if (diff > maxAbs) maxAbs = diff;
    const ratio = diff > 0 ? diff / Math.max(allowed, 2.2250738585072014e-308) : 0;
    if (ratio > worstRatio) { worstRatio = ratio; worst = k; worstDiff = diff; worstAllowed = allowed; }
  }
  return { agrees: ok, max_abs: maxAbs, scale, worst: n ? unravel(worst, shape) : [],
           worst_diff: worstDiff, worst_allowed: worstAllowed, worst_ratio: worstRatio };
}

function mag(b: number): number {
  return Number.isFinite(b) ? Math.abs(b) : 0;
}
