// Overlapping patches over the resampled volume, run in batches, blended into one label
// volume: viewer/inference/sliding_window.py step for step (MONAI's patch starts, a
// gaussian (σ = p/8) or constant importance map, a float32 accumulator of C × the target
// grid per output, argmax), then the labels carried back onto the ORIGINAL grid by nearest
// neighbour, one mask per acquired frame, with the voxel counts the mL come from
// (volume_run.py).
import type { OutputSpec } from "./manifest";
import { activate, type Raw } from "./postprocess";
import { type GridMap, nearestTarget, type Vec3, type VolumePlan } from "./volume_grid";

const f32 = Math.fround;

/** Patches sent to the runtime in one call (sliding_window.MAX_BATCH). */
export const MAX_BATCH = 4;
const SIGMA_SCALE = 0.125;
const MIN_WEIGHT = 1e-3;

/** Patch starts along one axis. */
export function starts(size: number, patch: number, overlap: number): number[] {
  if (size <= patch) return [-Math.floor((patch - size) / 2)];
  const stride = Math.max(1, Math.trunc(patch * (1 - overlap)));
  const count = Math.ceil((size - patch) / stride) + 1;
  const found = new Set<number>();
  for (let i = 0; i < count; i++) found.add(Math.min(i * stride, size - patch));
  return [...found].sort((a, b) => a - b);
}

export function positions(shape: Vec3, plan: VolumePlan): Vec3[] {
  const [d, r, c] = shape.map((n, a) => starts(n, plan.patch_size[a], plan.overlap));
  const out: Vec3[] = [];
  for (const a of d) for (const b of r) for (const x of c) out.push([a, b, x]);
  return out;
}

/** The weight of each voxel of a patch's answer (max 1), float32, C order. */
export function importance(patch: Vec3, blending: string): Float32Array {
  const n = patch[0] * patch[1] * patch[2];
  if (blending === "constant") return new Float32Array(n).fill(1);
  const g = patch.map((p) => {
    const sigma = Math.max(p * SIGMA_SCALE, 1e-6);
    return Float64Array.from({ length: p }, (_, i) => {
      const x = i - (p - 1) / 2;
      return Math.exp(-(x * x) / (2 * sigma * sigma));
    });
  });
  const w = new Float64Array(n);
  let max = -Infinity, at = 0;
  for (let i = 0; i < patch[0]; i++) for (let j = 0; j < patch[1]; j++) for (let k = 0; k < patch[2]; k++) {
    const v = 1 * g[0][i] * g[1][j] * g[2][k];
    w[at++] = v;
    if (v > max) max = v;
  }
  return Float32Array.from(w, (v) => Math.max(v / max, MIN_WEIGHT));
}

/** Channels of the accumulator of one output. */
function accumulatorChannels(spec: OutputSpec, channels: number): number {
  return Math.max(spec.kind === "label_map" ? spec.labels.length : channels, 2);
}

/** Classes of a mask output when the manifest fixes them, else one per label. */
export function fixedChannels(spec: OutputSpec): number {
  return spec.kind === "mask" && typeof spec.shape[1] === "number" ? spec.shape[1] : spec.labels.length;
}

/** What a run holds at its peak (bytes), volume_run.plan_bytes for one input. */
export function planBytes(outputs: OutputSpec[], grid: GridMap): number {
  const target = grid.target[0] * grid.target[1] * grid.target[2];
  const stack = grid.shape[0] * grid.target[1] * grid.target[2];
  const acc = outputs.reduce((s, o) => s + accumulatorChannels(o, fixedChannels(o)) * target, 0);
  const original = grid.shape[0] * grid.shape[1] * grid.shape[2];
  return 4 * (stack + target + acc) + target + original * outputs.length;
}

export interface Blended {
  spec: OutputSpec;
  table: number[]; // channel index → label value
  accumulator_bytes: number;
  index: Uint8Array | Uint16Array; // argmax over the target grid (model order)
}

/** ``run`` maps a batch (B × 1 × patch, float32) to one Raw per output. */
export type RunBatch = (batch: Float32Array, size: number) => Promise<Raw[]>;

/** The window over `image` (model order, model intensity, `shape`). */
export async function slide(image: Float32Array, shape: Vec3, plan: VolumePlan, outputs: OutputSpec[],
                            run: RunBatch, pad: number,
                            progress?: (done: number, total: number) => void): Promise<Blended[]> {
  const patch = plan.patch_size;
  const [pd, pr, pc] = patch;
  const per = pd * pr * pc;
  const weights = importance(patch, plan.blending);
  const places = positions(shape, plan);
  const voxels = shape[0] * shape[1] * shape[2];
  const acc: (Float32Array | null)[] = outputs.map(() => null);
  const channels = outputs.map(() => 0);
  progress?.(0, places.length);
  for (let first = 0; first < places.length; first += MAX_BATCH) {
    const chunk = places.slice(first, first + MAX_BATCH);
    const batch = new Float32Array(chunk.length * per).fill(pad);
    chunk.forEach((start, b) => {
      const [src, dst] = region(start, patch, shape);
      for (let i = 0; i < src[0][1] - src[0][0]; i++) for (let j = 0; j < src[1][1] - src[1][0]; j++) {
        const from = ((src[0][0] + i) * shape[1] + src[1][0] + j) * shape[2] + src[2][0];
        const to = b * per + ((dst[0][0] + i) * pr + dst[1][0] + j) * pc + dst[2][0];
        batch.set(image.subarray(from, from + src[2][1] - src[2][0]), to);
      }
    });
    const answers = await run(batch, chunk.length);
    outputs.forEach((spec, o) => {
      const answer = answers[o];
      const c = spec.kind === "mask" ? answer.dims[1] : 0;
      channels[o] = c;
      const nacc = accumulatorChannels(spec, c);
      acc[o] ??= new Float32Array(nacc * voxels);
      accumulate(acc[o]!, nacc, spec, answer, chunk, patch, shape, weights);
    });
    progress?.(first + chunk.length, places.length);
  }
  const out: Blended[] = [];
  outputs.forEach((spec, o) => {
    const a = acc[o];
    if (a) out.push(blended(spec, a, accumulatorChannels(spec, channels[o]), channels[o], voxels));
  });
  return out;
}

type Span = [number, number];

/** The volume's span a patch covers, and the same voxels' span inside the patch. */
function region(start: Vec3, patch: Vec3, grid: Vec3): [Span[], Span[]] {
  const src: Span[] = [], dst: Span[] = [];
  for (let a = 0; a < 3; a++) {
    const s = start[a], first = Math.max(s, 0), end = Math.min(s + patch[a], grid[a]);
    src.push([first, end]);
    dst.push([first - s, end - s]);
  }
  return [src, dst];
}

function accumulate(acc: Float32Array, nacc: number, spec: OutputSpec, answer: Raw, chunk: Vec3[],
                    patch: Vec3, grid: Vec3, weights: Float32Array): void {
  const per = patch[0] * patch[1] * patch[2];
  const voxels = grid[0] * grid[1] * grid[2];
  const labelMap = spec.kind === "label_map";
  const c = labelMap ? 0 : answer.dims[1];
  const values = labelMap ? spec.labels.map((l) => l.value ?? 0) : [];
  const threshold = f32(spec.activation !== "none" ? 0.5 : 0.0);
  chunk.forEach((start, b) => {
    const [src, dst] = region(start, patch, grid);
    const scores = labelMap ? part(answer.data, b * per, (b + 1) * per)
      : activate(part(answer.data, b * c * per, (b + 1) * c * per), spec.activation, c);
    for (let i = 0; i < src[0][1] - src[0][0]; i++) for (let j = 0; j < src[1][1] - src[1][0]; j++) {
      for (let k = 0; k < src[2][1] - src[2][0]; k++) {
        const p = ((dst[0][0] + i) * patch[1] + dst[1][0] + j) * patch[2] + dst[2][0] + k;
        const v = ((src[0][0] + i) * grid[1] + src[1][0] + j) * grid[2] + src[2][0] + k;
        const w = weights[p];
        if (labelMap) {
          const found = scores[p];
          for (let ch = 0; ch < values.length; ch++) {
            if (found === values[ch]) acc[ch * voxels + v] = f32(acc[ch * voxels + v] + w);
            else acc[ch * voxels + v] = f32(acc[ch * voxels + v] + 0); // w * False
          }
        } else if (c === 1) {
          acc[v] = f32(acc[v] + f32(w * threshold));
          acc[voxels + v] = f32(acc[voxels + v] + f32(w * scores[p]));
        } else {
          for (let ch = 0; ch < nacc; ch++) {
            acc[ch * voxels + v] = f32(acc[ch * voxels + v] + f32(w * scores[ch * per + p]));
          }
        }
      }
    }
  });
}

function part(data: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  const typed = data as Float32Array;
  return typeof typed.subarray === "function" ? typed.subarray(from, to) : Array.prototype.slice.call(data, from, to) as number[];
}

function blended(spec: OutputSpec, acc: Float32Array, nacc: number, channels: number, voxels: number): Blended {
  const values = spec.labels.map((l) => l.value ?? 0);
  let table: number[];
  if (spec.kind === "label_map") table = values;
  else if (channels === 1) table = [0, values[values.length - 1]];
  else {
    table = [...values];
    for (let k = table.length; k < nacc; k++) table.push(k);
  }
  const index = nacc < 256 ? new Uint8Array(voxels) : new Uint16Array(voxels);
  for (let v = 0; v < voxels; v++) { // np.argmax: the first maximum, or the first NaN
    let best = 0, bestValue = acc[v];
    if (!Number.isNaN(bestValue)) {
      for (let ch = 1; ch < nacc; ch++) {
        const x = acc[ch * voxels + v];
        if (Number.isNaN(x)) { best = ch; break; }
        if (x > bestValue) { best = ch; bestValue = x; }
      }
    }
    index[v] = best;
  }
  return { spec, table, accumulator_bytes: 4 * nacc * voxels, index };
}

/** The label volume (model order): uint8, or uint16 past 255. */
export function labelVolume(b: Blended): Uint8Array | Uint16Array {
  const big = Math.max(0, ...b.table) >= 256;
  const out = big ? new Uint16Array(b.index.length) : new Uint8Array(b.index.length);
  for (let v = 0; v < out.length; v++) out[v] = b.table[b.index[v]];
  return out;
}

export interface FrameMask { mask: Uint8Array | Uint16Array; counts: Map<number, number> }

/** The label volume (model order) on the original grid: one mask per acquired frame. */
export function masksBack(labels: Uint8Array | Uint16Array, grid: GridMap): FrameMask[] {
  const near = [0, 1, 2].map((a) => nearestTarget(grid.shape[a], grid.target[a]));
  const [, r, c] = [grid.target[grid.axes[0]], grid.target[grid.axes[1]], grid.target[grid.axes[2]]];
  const mstrides = [r * c, c, 1];
  // acquired axis a → (model stride, flip size) so target index x maps to a model offset
  const stride = [0, 0, 0], flipFrom = [-1, -1, -1];
  grid.axes.forEach((a, t) => { stride[a] = mstrides[t]; if (grid.flips[t]) flipFrom[a] = grid.target[a] - 1; });
  const off = (a: number, x: number) => (flipFrom[a] >= 0 ? flipFrom[a] - x : x) * stride[a];
  const [n0, rows, cols] = grid.shape;
  const colOff = Int32Array.from(near[2], (x) => off(2, x));
  const out: FrameMask[] = [];
  for (let k = 0; k < n0; k++) {
    const mask = labels instanceof Uint16Array ? new Uint16Array(rows * cols) : new Uint8Array(rows * cols);
    const counts = new Map<number, number>();
    const base = off(0, near[0][k]);
    for (let i = 0; i < rows; i++) {
      const row = base + off(1, near[1][i]);
      for (let j = 0; j < cols; j++) {
        const v = labels[row + colOff[j]];
        mask[i * cols + j] = v;
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
    }
    out.push({ mask, counts });
  }
  return out;
}
