// Image → model input, as viewer/inference/preprocess.py does it, step for step and in
// float32: channels, intensity (window / normalize / minmax on modality values), then the
// letterbox (scale to fit with the aspect kept, centre, pad with pad_value) resampled as
// Pillow does (resample.ts). The geometry is the Letterbox the service's results carry.
import type { Letterbox } from "../types";
import type { InputSpec, Intensity, Resize } from "./manifest";
import { resizeBilinear, resizeNearest } from "./resample";

const f32 = Math.fround;

/** Python's round(): half to even. */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function letterbox(source: [number, number], resize: Resize): Letterbox {
  const [rows, cols] = source;
  const [tr, tc] = resize.size;
  let inner: [number, number];
  if (resize.keep_aspect) {
    const s = Math.min(tr / rows, tc / cols);
    inner = [Math.max(1, Math.min(tr, pyRound(rows * s))), Math.max(1, Math.min(tc, pyRound(cols * s)))];
  } else {
    inner = [tr, tc];
  }
  const offset: [number, number] = [Math.floor((tr - inner[0]) / 2), Math.floor((tc - inner[1]) / 2)];
  return { source: [rows, cols], target: [tr, tc], scale: [inner[0] / rows, inner[1] / cols], offset };
}

export function innerSize(box: Letterbox): [number, number] {
  return [pyRound(box.source[0] * box.scale[0]), pyRound(box.source[1] * box.scale[1])];
}

/** Grey (rows*cols) or RGB (rows*cols*3, interleaved) → `channels` planes, float32. */
export function toChannels(
  values: ArrayLike<number>, rows: number, cols: number, samples: 1 | 3, channels: 1 | 3,
): Float32Array[] {
  const n = rows * cols;
  if (samples === 1) {
    const grey = Float32Array.from({ length: n }, (_, k) => values[k]);
    return channels === 3 ? [grey, grey.slice(), grey.slice()] : [grey];
  }
  if (channels === 1) {
    // values @ [0.299, 0.587, 0.114] in float32 (NumPy's matmul; within a float32 ulp)
    const lr = f32(0.299), lg = f32(0.587), lb = f32(0.114);
    const grey = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      grey[k] = f32(f32(f32(values[3 * k] * lr) + f32(values[3 * k + 1] * lg)) + f32(values[3 * k + 2] * lb));
    }
    return [grey];
  }
  return [0, 1, 2].map((c) => Float32Array.from({ length: n }, (_, k) => values[3 * k + c]));
}

/** Modality values → the model's intensity space, in place and in float32. minmax spans
 * every plane given (a stack's planes together, as prepare_volume does). */
export function applyIntensity(planes: Float32Array[], it: Intensity): void {
  if (it.kind === "window") {
    const low = f32(it.center - it.width / 2), width = f32(it.width);
    for (const p of planes) for (let k = 0; k < p.length; k++) {
      const v = f32(f32(p[k] - low) / width);
      p[k] = v < 0 ? 0 : v > 1 ? 1 : v; // NaN stays NaN (np.clip)
    }
    return;
  }
  if (it.kind === "normalize") {
    const mean = f32(it.mean), std = f32(it.std);
    for (const p of planes) for (let k = 0; k < p.length; k++) p[k] = f32(f32(p[k] - mean) / std);
    return;
  }
  let lo = Infinity, hi = -Infinity;
  for (const p of planes) for (const v of p) if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  if (!(hi > lo)) { for (const p of planes) p.fill(0); return; }
  const flo = f32(lo), span = f32(hi - lo);
  for (const p of planes) for (let k = 0; k < p.length; k++) {
    const v = f32(f32(p[k] - flo) / span);
    p[k] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
}

/** Each plane resampled into the letterbox; the margin takes pad_value. */
export function fit(planes: Float32Array[], box: Letterbox, resize: Resize): Float32Array[] {
  const [tr, tc] = box.target;
  const [rows, cols] = innerSize(box);
  const [r0, c0] = box.offset;
  const [sr, sc] = box.source;
  return planes.map((plane) => {
    const out = new Float32Array(tr * tc).fill(resize.pad_value);
    const inner = rows === sr && cols === sc ? plane
      : resize.interpolation === "nearest" ? resizeNearest(plane, sr, sc, rows, cols)
      : resizeBilinear(plane, sr, sc, rows, cols);
    for (let r = 0; r < rows; r++) out.set(inner.subarray(r * cols, (r + 1) * cols), (r0 + r) * tc + c0);
    return out;
  });
}

export interface Image {
  rows: number; columns: number; samples: 1 | 3; values: ArrayLike<number>;
}

/** One image → one sample of `spec` (channels × rows × cols, no batch axis) and its box. */
export function prepareSlice(image: Image, spec: InputSpec): { sample: Float32Array; box: Letterbox } {
  const planes = toChannels(image.values, image.rows, image.columns, image.samples, spec.channels);
  applyIntensity(planes, spec.intensity);
  const box = letterbox([image.rows, image.columns], spec.resize);
  return { sample: concat(fit(planes, box, spec.resize)), box };
}

/** Consecutive images → one sample: (channels, slices, H, W) for a 5-D input, the
 * slices on the channel axis for a 4-D one (prepare_volume). */
export function prepareStack(stack: Image[], spec: InputSpec): { sample: Float32Array; box: Letterbox } {
  const first = stack[0];
  const perImage = stack.map((im) => toChannels(im.values, im.rows, im.columns, im.samples, spec.channels));
  // C, S order: channel c of every slice, then the next channel
  const planes: Float32Array[] = [];
  for (let c = 0; c < spec.channels; c++) for (const p of perImage) planes.push(p[c]);
  applyIntensity(planes, spec.intensity);
  const box = letterbox([first.rows, first.columns], spec.resize);
  return { sample: concat(fit(planes, box, spec.resize)), box };
}

export function concat(planes: Float32Array[]): Float32Array {
  const n = planes.reduce((a, p) => a + p.length, 0);
  const out = new Float32Array(n);
  let at = 0;
  for (const p of planes) { out.set(p, at); at += p.length; }
  return out;
}

/** `count` frame indices centred on `center`; the ends repeat past the series' edges. */
export function neighbours(center: number, count: number, total: number): number[] {
  const first = center - Math.floor((count - 1) / 2);
  return Array.from({ length: count }, (_, k) => Math.min(Math.max(first + k, 0), total - 1));
}
