// Is this image like the model's training data? viewer/inference/domain.py's check_domain
// on the same prepared sample: the PSI of the model-input histogram (the letterbox's
// padding left out) against the manifest's reference, pixel spacing and image size
// against the training range with their margins, the modality against the declared
// acquisition. The tube voltage (kvp) is not judged here: the frame endpoint does not
// carry the DICOM header (the desktop and the service judge it).
import type { DomainResult, Letterbox } from "../types";
import { innerSize } from "./preprocess";
import { formatG } from "./tolerance";

const FLOOR = 1e-4;

interface Quantiles { min: number; max: number }

export interface Reference {
  bins: number;
  range: [number, number];
  fractions: number[];
  spacing: Quantiles | null;
  rows: Quantiles | null;
  columns: Quantiles | null;
  acquisition: Record<string, unknown>;
  thresholds: { psi_shift: number; psi_unlike: number; spacing_margin: number; size_margin: number };
}

export function parseReference(raw: unknown): Reference | null {
  if (!raw || typeof raw !== "object") return null;
  const d = raw as Record<string, any>;
  const hist = d.intensity_histogram;
  const q = (v: any): Quantiles | null => (v ? { min: Number(v.min), max: Number(v.max) } : null);
  const t = d.thresholds ?? {};
  return {
    bins: Number(hist.bins ?? hist.fractions.length), range: [Number(hist.range[0]), Number(hist.range[1])],
    fractions: hist.fractions.map(Number), spacing: q(d.pixel_spacing_mm), rows: q(d.image_rows),
    columns: q(d.image_columns), acquisition: d.acquisition ?? {},
    thresholds: { psi_shift: Number(t.psi_shift ?? 0.1), psi_unlike: Number(t.psi_unlike ?? 0.25),
                  spacing_margin: Number(t.spacing_margin ?? 0.1), size_margin: Number(t.size_margin ?? 0.1) },
  };
}

/** NumPy's pairwise sum of up to 128 doubles (np.sum gives these very bits). */
function npSum(a: number[]): number {
  const n = a.length;
  if (n < 8) { let s = -0; for (const v of a) s += v; return s; }
  const r = a.slice(0, 8);
  let i = 8;
  for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[i + j];
  let res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
  for (; i < n; i++) res += a[i];
  return res;
}

/** Python's "{:.2f}" (ties to even on the exact binary value, as Python rounds). */
function fixed2(v: number): string {
  const scaled = v * 100;
  if (Number.isInteger(scaled - 0.5) && Math.abs(scaled) < 2 ** 52) {
    const down = Math.floor(scaled);
    const even = down % 2 === 0 ? down : down + 1;
    return (even / 100).toFixed(2);
  }
  return v.toFixed(2);
}

export function histogram(sample: Float32Array, dims: number[], box: Letterbox, ref: Reference): number[] {
  const [h, w] = dims.slice(-2);
  const planes = sample.length / (h * w);
  const [r0, c0] = box.offset;
  const [rows, cols] = innerSize(box);
  const [lo, hi] = ref.range;
  const counts = new Array<number>(ref.bins).fill(0);
  let total = 0;
  for (let p = 0; p < planes; p++) {
    for (let r = r0; r < Math.min(r0 + rows, h); r++) {
      for (let c = c0; c < Math.min(c0 + cols, w); c++) {
        const v = sample[p * h * w + r * w + c];
        if (!Number.isFinite(v)) continue;
        const k = Math.min(Math.max(Math.trunc((v - lo) / (hi - lo) * ref.bins), 0), ref.bins - 1);
        counts[k]++;
        total++;
      }
    }
  }
  if (!total) return new Array<number>(ref.bins).fill(1 / ref.bins);
  return counts.map((c) => c / total);
}

export function psi(expected: number[], actual: number[]): number {
  return npSum(expected.map((e0, k) => {
    const e = Math.max(e0, FLOOR), a = Math.max(actual[k], FLOOR);
    return (a - e) * Math.log(a / e);
  }));
}

const outside = (v: number, q: Quantiles, margin: number) => v < q.min / (1 + margin) || v > q.max * (1 + margin);
const span = (q: Quantiles, unit = "") => `${formatG(q.min)}–${formatG(q.max)}${unit}`;

export function checkDomain(
  ref: Reference, sample: Float32Array, dims: number[], box: Letterbox,
  spacing: [number, number] | null, attributes: Record<string, unknown>,
): DomainResult {
  const t = ref.thresholds;
  const findings: string[] = [], notes: string[] = [];
  const value = psi(ref.fractions, histogram(sample, dims, box, ref));
  let level = "like";
  if (value > t.psi_unlike) {
    findings.push(`intensity distribution differs (PSI ${fixed2(value)} > ${formatG(t.psi_unlike)})`);
    level = "unlike";
  } else if (value >= t.psi_shift) {
    notes.push(`intensity distribution shifted a little (PSI ${fixed2(value)})`);
    level = "shift";
  }
  if (ref.spacing) {
    if (spacing === null) findings.push(`pixel spacing is not recorded (training data: ${span(ref.spacing, " mm")})`);
    else {
      const odd = spacing.filter((v) => outside(v, ref.spacing!, t.spacing_margin));
      if (odd.length) findings.push(`pixel spacing ${formatG(odd[0])} mm is outside the training data's ${span(ref.spacing, " mm")}`);
    }
  }
  const size = box.source;
  for (const [axis, q, n] of [["rows", ref.rows, size[0]], ["columns", ref.columns, size[1]]] as const) {
    if (q && outside(n, q, t.size_margin)) findings.push(`image has ${n} ${axis}; the training data had ${span(q)}`);
  }
  for (const [key, allowed] of Object.entries(ref.acquisition)) {
    const seen = attributes[key];
    if (seen === null || seen === undefined || seen === "") continue;
    if (Array.isArray(allowed) && allowed.length === 2 && allowed.every((v) => typeof v === "number")) {
      const number = Number(seen);
      if (Number.isNaN(number)) continue;
      if (!(allowed[0] <= number && number <= allowed[1])) {
        findings.push(`${key} ${formatG(number)} is outside the training data's ${formatG(allowed[0])}–${formatG(allowed[1])}`);
      }
    } else if (Array.isArray(allowed) && allowed.length) {
      const names = allowed.map((v) => String(v).toUpperCase());
      const text = String(seen).trim().toUpperCase();
      if (!names.includes(text)) findings.push(`${key} is ${text}; the training data were ${names.join(", ")}`);
    }
  }
  if (findings.length) level = "unlike";
  return { psi: Number.isFinite(value) ? value : null, level, findings, notes };
}
