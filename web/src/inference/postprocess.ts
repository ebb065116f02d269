// Model outputs → results on the ORIGINAL image's grid, as viewer/inference/postprocess.py
// makes them and result_arrays.py writes them (the same FrameResult the service answers
// with): masks argmaxed (or one channel above one half) and sampled nearest through the
// letterbox, label maps rounded and sampled alike, heatmaps kept on the model's grid with
// the letterbox that places them, boxes mapped back, suppressed per class (greedy NMS,
// best score first) and split at the score threshold, probabilities and values as numbers.
import type { ArrayData, BoxResult, Letterbox, OutputResult } from "../types";
import type { Label, OutputSpec } from "./manifest";

const f32 = Math.fround;

/** A raw output of one sample (or a batch): values as numbers, C order. */
export interface Raw { data: ArrayLike<number>; dims: number[] }

export function toNumbers(data: ArrayLike<number> | BigInt64Array | BigUint64Array): ArrayLike<number> {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float64Array.from(data, (v) => Number(v));
  return data;
}

/** Activation along the first axis of (n, rest) values, in float32 as NumPy does. */
export function activate(values: ArrayLike<number>, activation: string, n: number): Float32Array {
  const out = Float32Array.from(values as ArrayLike<number>);
  const rest = out.length / n;
  if (activation === "softmax") {
    for (let j = 0; j < rest; j++) {
      let max = -Infinity;
      for (let c = 0; c < n; c++) max = Math.max(max, out[c * rest + j]);
      let sum = 0;
      for (let c = 0; c < n; c++) {
        const e = f32(Math.exp(f32(out[c * rest + j] - max)));
        out[c * rest + j] = e;
        sum = f32(sum + e);
      }
      for (let c = 0; c < n; c++) out[c * rest + j] = f32(out[c * rest + j] / sum);
    }
  } else if (activation === "sigmoid") {
    for (let k = 0; k < out.length; k++) out[k] = f32(1 / f32(1 + f32(Math.exp(-out[k]))));
  }
  return out;
}

/** For each original row and column: the cell of a (gh, gw) model grid it samples. */
function nearestCells(box: Letterbox, gh: number, gw: number): [Int32Array, Int32Array] {
  const [rows, cols] = box.source;
  const ri = new Int32Array(rows), ci = new Int32Array(cols);
  const fy = gh / box.target[0], fx = gw / box.target[1];
  for (let r = 0; r < rows; r++) {
    const g = ((r + 0.5) * box.scale[0] + box.offset[0]) * fy;
    ri[r] = Math.min(Math.max(Math.floor(g), 0), gh - 1);
  }
  for (let c = 0; c < cols; c++) {
    const g = ((c + 0.5) * box.scale[1] + box.offset[1]) * fx;
    ci[c] = Math.min(Math.max(Math.floor(g), 0), gw - 1);
  }
  return [ri, ci];
}

function sampleNearest(plane: ArrayLike<number>, gh: number, gw: number, box: Letterbox): Float64Array {
  const [ri, ci] = nearestCells(box, gh, gw);
  const [rows, cols] = box.source;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = ri[r] * gw;
    for (let c = 0; c < cols; c++) out[r * cols + c] = plane[base + ci[c]];
  }
  return out;
}

function labelMapData(values: Float64Array, box: Letterbox): ArrayData {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  const data = max < 256 ? Uint8Array.from(values) : Uint16Array.from(values);
  return { dtype: max < 256 ? "uint8" : "uint16", shape: [box.source[0], box.source[1]], data };
}

const value = (label: Label) => label.value ?? 0;

export function maskOutput(spec: OutputSpec, raw: Raw, box: Letterbox): OutputResult {
  const [c, gh, gw] = raw.dims.slice(-3);
  const probs = activate(raw.data, spec.activation, c);
  const n = gh * gw;
  const index = new Float64Array(n);
  let table: number[];
  if (c === 1) {
    const threshold = spec.activation !== "none" ? 0.5 : 0.0;
    for (let k = 0; k < n; k++) index[k] = probs[k] > threshold ? 1 : 0;
    table = [0, value(spec.labels[spec.labels.length - 1])];
  } else {
    for (let k = 0; k < n; k++) {
      let best = 0, bestValue = probs[k];
      for (let ch = 1; ch < c; ch++) {
        const v = probs[ch * n + k];
        if (v > bestValue || (Number.isNaN(v) && !Number.isNaN(bestValue))) { best = ch; bestValue = v; }
        if (Number.isNaN(bestValue)) break; // np.argmax stops at the first NaN
      }
      index[k] = best;
    }
    table = spec.labels.map(value);
    for (let k = table.length; k < c; k++) table.push(k);
  }
  const small = index.map((i) => table[i]);
  return { name: spec.name, kind: "mask", label_map: labelMapData(sampleNearest(small, gh, gw, box), box) };
}

export function labelMapOutput(spec: OutputSpec, raw: Raw, box: Letterbox): OutputResult {
  const [gh, gw] = raw.dims.slice(-2);
  const plane = Float64Array.from(raw.data, (v) => {
    let x = Number.isNaN(v) ? 0 : v;
    if (!Number.isInteger(x) && Number.isFinite(x)) x = roundHalfEven(x);
    return x < 0 || x > 65535 || !Number.isFinite(x) ? 0 : x;
  });
  return { name: spec.name, kind: "mask", label_map: labelMapData(sampleNearest(plane, gh, gw, box), box) };
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const num = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function labelsOutput(spec: OutputSpec, raw: Raw): OutputResult {
  const probs = activate(raw.data, spec.activation, raw.data.length);
  return { name: spec.name, kind: "labels",
           probabilities: Array.from(probs.subarray(0, spec.labels.length), num) };
}

export function valuesOutput(spec: OutputSpec, raw: Raw): OutputResult {
  const v = activate(raw.data, spec.activation, raw.data.length);
  return { name: spec.name, kind: "values", values: Array.from(v.subarray(0, spec.labels.length), num) };
}

export function heatmapOutput(spec: OutputSpec, raw: Raw, box: Letterbox): OutputResult {
  const [gh, gw] = raw.dims.slice(-2);
  const plane = activate(Float32Array.from(raw.data), spec.activation, gh);
  return { name: spec.name, kind: "heatmap", grid: { dtype: "float32", shape: [gh, gw], data: plane },
           box, value_range: [spec.value_range[0], spec.value_range[1]], given: null };
}

function pairIou(a: number[], b: number[]): number {
  let inter = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  let h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  inter = Math.max(inter, 0);
  h = Math.max(h, 0);
  inter *= h;
  const areaA = Math.max(a[2] - a[0], 0) * Math.max(a[3] - a[1], 0);
  const areaB = Math.max(b[2] - b[0], 0) * Math.max(b[3] - b[1], 0);
  const union = areaA + areaB - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy NMS per class; indices kept, best score first (a stable sort, as NumPy's). */
export function nms(boxes: number[][], scores: number[], classes: number[], iouLimit: number): number[] {
  const order = scores.map((_, k) => k).sort((p, q) => (-scores[p]) - (-scores[q]) || 0);
  const suppressed = new Uint8Array(scores.length);
  const kept: number[] = [];
  for (const i of order) {
    if (suppressed[i]) continue;
    kept.push(i);
    for (let j = 0; j < scores.length; j++) {
      if (j !== i && classes[j] === classes[i] && pairIou(boxes[i], boxes[j]) > iouLimit) suppressed[j] = 1;
    }
  }
  return kept;
}

export function boxesOutput(
  spec: OutputSpec, boxes: Raw, scores: Raw, box: Letterbox, classIndex: Raw | null,
): OutputResult {
  const n = boxes.data.length / 4;
  const k = n ? scores.data.length / n : 1;
  const best: number[] = [], cls: number[] = [];
  for (let i = 0; i < n; i++) {
    if (classIndex) {
      best.push(scores.data[i * k]);
      const raw = classIndex.data[i];
      cls.push(Math.max(roundHalfEven(Number.isNaN(raw) ? 0 : raw === Infinity ? Number.MAX_VALUE : raw === -Infinity ? -Number.MAX_VALUE : raw), 0));
    } else if (k === 1) {
      best.push(scores.data[i]); cls.push(0);
    } else {
      let c = 0;
      for (let j = 1; j < k; j++) if (scores.data[i * k + j] > scores.data[i * k + c]) c = j;
      best.push(scores.data[i * k + c]); cls.push(c);
    }
  }
  const [rows, cols] = box.source;
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const index: number[] = [], mapped: number[][] = [];
  for (let i = 0; i < n; i++) {
    const b = [0, 1, 2, 3].map((j) => boxes.data[i * 4 + j]);
    const finite = b.every(Number.isFinite) && Number.isFinite(best[i]);
    const x0 = clip((b[0] - box.offset[1]) / box.scale[1], cols), y0 = clip((b[1] - box.offset[0]) / box.scale[0], rows);
    const x1 = clip((b[2] - box.offset[1]) / box.scale[1], cols), y1 = clip((b[3] - box.offset[0]) / box.scale[0], rows);
    if (finite && x1 > x0 && y1 > y0) { index.push(i); mapped.push([x0, y0, x1, y1]); }
  }
  const keep = nms(mapped, index.map((i) => best[i]), index.map((i) => cls[i]), spec.nms_iou);
  const candidates: BoxResult[] = keep.map((m) => {
    const i = index[m], c = cls[i];
    const [x0, y0, x1, y1] = mapped[m];
    return { x0, y0, x1, y1, score: best[i], class_index: c,
             class: c < spec.classes.length ? spec.classes[c].name : `class ${c}` };
  });
  return { name: spec.name, kind: "boxes", score_threshold: spec.score_threshold,
           boxes: candidates.filter((b) => b.score >= spec.score_threshold), candidates };
}

/** One sample's raw outputs (batch axis removed) → results, in the manifest's order. */
export function postprocess(outputs: Map<string, Raw>, specs: OutputSpec[], box: Letterbox): OutputResult[] {
  const found: OutputResult[] = [];
  for (const spec of specs) {
    const raw = outputs.get(spec.name)!;
    if (spec.kind === "mask") found.push(maskOutput(spec, raw, box));
    else if (spec.kind === "label_map") found.push(labelMapOutput(spec, raw, box));
    else if (spec.kind === "labels") found.push(labelsOutput(spec, raw));
    else if (spec.kind === "values") found.push(valuesOutput(spec, raw));
    else if (spec.kind === "heatmap") found.push(heatmapOutput(spec, raw, box));
    else if (spec.kind === "boxes") {
      const classes = spec.classes_output ? outputs.get(spec.classes_output)! : null;
      found.push(boxesOutput(spec, raw, outputs.get(spec.scores ?? "")!, box, classes));
    }
  }
  return found;
}

export class BatchLayoutError extends Error {}

/** A batch's raw outputs → one map per sample: batch-first outputs indexed, the rows of
 * variable-length boxes and their companions given to the sample their box_batch names. */
export function splitBatch(specs: OutputSpec[], raw: Map<string, Raw>, count: number): Map<string, Raw>[] {
  const owner = new Map<string, string>();
  for (const spec of specs) {
    if (spec.kind === "boxes" && spec.layout === "variable" && spec.batch_index) {
      for (const name of [spec.name, spec.scores, spec.classes_output, spec.batch_index]) {
        if (name) owner.set(name, spec.batch_index);
      }
    }
  }
  const rowsOf = new Map<string, number[]>();
  for (const indexName of new Set(owner.values())) {
    const index = raw.get(indexName)!;
    const members = [...owner].filter(([, o]) => o === indexName).map(([n]) => n);
    if (members.some((m) => raw.get(m)!.dims[0] !== index.data.length)) {
      throw new BatchLayoutError(`the model's box outputs ${members.sort().join(", ")} differ in their number of rows`);
    }
    const which = Array.from(index.data, (v) => (Number.isNaN(v) ? -1 : roundHalfEven(v)));
    if (which.some((w) => w < 0 || w >= count)) {
      throw new BatchLayoutError(`the model's '${indexName}' names an image outside the batch of ${count}`);
    }
    rowsOf.set(indexName, which);
  }
  const samples: Map<string, Raw>[] = [];
  for (let k = 0; k < count; k++) {
    const sample = new Map<string, Raw>();
    for (const spec of specs) {
      const array = raw.get(spec.name)!;
      const o = owner.get(spec.name);
      const per = array.dims.slice(1).reduce((a, b) => a * b, 1);
      if (o) {
        const rows = rowsOf.get(o)!;
        const data: number[] = [];
        rows.forEach((w, r) => { if (w === k) for (let j = 0; j < per; j++) data.push(array.data[r * per + j]); });
        sample.set(spec.name, { data: Float64Array.from(data), dims: [data.length / Math.max(per, 1), ...array.dims.slice(1)] });
      } else {
        sample.set(spec.name, { data: sliceOf(array.data, k * per, (k + 1) * per), dims: array.dims.slice(1) });
      }
    }
    samples.push(sample);
  }
  return samples;
}

function sliceOf(data: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  const d = data as Float32Array;
  return typeof d.subarray === "function" ? d.subarray(from, to) : Array.prototype.slice.call(data, from, to);
}
