// A series → the volume a volume model reads, as viewer/inference/volume_plan.py,
// volume_grid.py and the MPR's check_series do it: the manifest's `volume` section, the
// stack checked (tilt, gaps, uneven spacing, mixed planes or sizes, colour are refused
// with the desktop's reasons), each model axis taking the acquired axis nearest its
// patient direction (a transpose and flips, no rotation), then separable centre-aligned
// resampling in float32, step for step as NumPy does it: intensity on each acquired
// slice, in-plane resampling as the frames arrive, then along the stack.
import type { FrameGeometry } from "../types";
import type { Intensity } from "./manifest";
import { applyIntensity } from "./preprocess";

const f32 = Math.fround;

export type Vec3 = [number, number, number];

export interface VolumePlan {
  spacing_mm: Vec3; // target voxel size along the model's (depth, rows, columns)
  axes: string; // patient direction each model axis increases toward, e.g. "SPL"
  patch_size: Vec3;
  overlap: number;
  blending: "gaussian" | "constant";
  pad_value: number; // modality value outside the volume, before intensity
  interpolation: "linear" | "nearest";
}

/** Patient direction letter → (patient axis in LPS, +1 at the axis' positive end). */
const DIRECTIONS: Record<string, [number, number]> = {
  R: [0, -1], L: [0, 1], A: [1, -1], P: [1, 1], I: [2, -1], S: [2, 1],
};

/** The `volume` section with manifest.py's defaults (the service verified the rest). */
export function parseVolume(raw: unknown): VolumePlan | null {
  if (raw == null) return null;
  const d = raw as Record<string, unknown>;
  const triple = (v: unknown) => (v as number[]).map(Number) as Vec3;
  return {
    spacing_mm: triple(d.spacing_mm), axes: String(d.axes), patch_size: triple(d.patch_size),
    overlap: Number(d.overlap ?? 0.5),
    blending: (d.blending ?? "gaussian") as VolumePlan["blending"],
    pad_value: Number(d.pad_value ?? 0),
    interpolation: (d.interpolation ?? "linear") as VolumePlan["interpolation"],
  };
}


/** Where each voxel of the acquired stack lies (mpr.Volume without its pixels). */
export interface StackGeometry {
  shape: Vec3; // (slices, rows, columns)
  origin: Vec3;
  axes: [Vec3, Vec3, Vec3]; // along the stack, down the rows, along a row (unit)
  spacing: Vec3;
}

/** The stack's refusal, word for word the MPR's (viewer/imaging/mpr.py check_series). */
export class VolumeRefused extends Error {}

export const MIN_SLICES = 3;
const MAX_TILT_DEGREES = 0.5;
const SPACING_TOLERANCE = 0.1;
const ORIENTATION_TOLERANCE = 1e-3;

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
function unit(v: number[]): Vec3 {
  const n = norm(v) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}
function normal(o: number[]): Vec3 {
  const r = o.slice(0, 3), c = o.slice(3);
  const n = [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]];
  const len = norm(n) || 1;
  return [n[0] / len, n[1] / len, n[2] / len];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Throw VolumeRefused when the frames make no faithful volume. */
export function checkStack(frames: FrameGeometry[], samples: number, description: string,
                           purpose = "volume inference"): void {
  const name = description || "this series";
  const distorts = purpose === "MPR" ? "the other planes" : "the volume it reads";
  if (frames.length < MIN_SLICES) {
    throw new VolumeRefused(`${purpose} needs a stack of at least ${MIN_SLICES} slices; ${name} has ${frames.length}.`);
  }
  if (samples !== 1) throw new VolumeRefused(`${purpose} works on grey-scale CT or MR stacks; ${name} is in colour.`);
  if (new Set(frames.map((f) => `${f.rows}x${f.columns}`)).size > 1) {
    throw new VolumeRefused(`${purpose} cannot stack ${name}: its images have different sizes.`);
  }
  if (frames.some((f) => !f.position || !f.orientation || !f.pixel_spacing)) {
    throw new VolumeRefused(`${purpose} cannot place ${name} in 3-D: some images lack their position, orientation or pixel spacing.`);
  }
  const first = frames[0].orientation!;
  if (frames.some((f) => Math.max(...f.orientation!.map((a, i) => Math.abs(a - first[i]))) > ORIENTATION_TOLERANCE)) {
    throw new VolumeRefused(`${purpose} cannot stack ${name}: its images lie in different planes (mixed orientations, e.g. a localiser). Open a series with one plane.`);
  }
  const n = normal(first);
  const distances = frames.map((f) => dot(f.position!, n));
  let steps = distances.slice(1).map((d, i) => d - distances[i]);
  const direction = steps.reduce((a, b) => a + b, 0) >= 0 ? 1 : -1;
  steps = steps.map((s) => s * direction);
  if (Math.min(...steps) < 1e-3) {
    throw new VolumeRefused(`${purpose} cannot stack ${name}: some slice positions occur twice (duplicates or several acquisitions in one series).`);
  }
  const typical = median(steps);
  const most = Math.max(...steps), least = Math.min(...steps);
  if (most > typical * 1.5) {
    throw new VolumeRefused(`${purpose} refused for ${name}: slices are missing (a gap of ${most.toFixed(2)} mm where ${typical.toFixed(2)} mm is typical). Reconstructing across the gap would show anatomy that is not there; load the complete series.`);
  }
  if (most - least > SPACING_TOLERANCE * typical) {
    throw new VolumeRefused(`${purpose} refused for ${name}: uneven slice spacing (${least.toFixed(2)} to ${most.toFixed(2)} mm) would distort ${distorts}. Use a series reconstructed with even spacing.`);
  }
  const a = frames[0].position!, b = frames[frames.length - 1].position!;
  const along = b.map((y, i) => y - a[i]);
  const cos = Math.min(1, Math.abs(dot(along, n)) / Math.max(norm(along), 1e-9));
  const tilt = (Math.acos(cos) * 180) / Math.PI;
  if (tilt > MAX_TILT_DEGREES) {
    throw new VolumeRefused(`${purpose} refused for ${name}: the slices are sheared by ${tilt.toFixed(1)}° (gantry tilt), so ${distorts} would be distorted. Use a tilt-corrected reconstruction from the scanner, or read this series in its own plane.`);
  }
}

/** The stack's geometry from its first and last frames (mpr.stack_geometry). */
export function stackGeometry(frames: FrameGeometry[]): StackGeometry {
  const g0 = frames[0], g1 = frames[frames.length - 1];
  const count = frames.length;
  const step = g1.position!.map((b, i) => (b - g0.position![i]) / (count - 1));
  const o = g0.orientation!;
  return {
    shape: [count, g0.rows, g0.columns],
    origin: [g0.position![0], g0.position![1], g0.position![2]],
    axes: [unit(step), unit(o.slice(3)), unit(o.slice(0, 3))],
    spacing: [norm(step), g0.pixel_spacing![0], g0.pixel_spacing![1]],
  };
}

const PERMUTATIONS: Vec3[] = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

/** For patient axis x, y, z: the acquired axis most aligned with it (mpr._assign_axes). */
export function assignAxes(axes: [Vec3, Vec3, Vec3]): Vec3 {
  let best = PERMUTATIONS[0], score = -Infinity;
  for (const p of PERMUTATIONS) { // Python's max keeps the first of equal scores
    const s = [0, 1, 2].reduce((sum, a) => sum + Math.log(Math.abs(axes[p[a]][a]) + 1e-9), 0);
    if (s > score) { score = s; best = p; }
  }
  return best;
}

/** The acquired volume [k, i, j] against the model's [depth, rows, columns]. */
export interface GridMap {
  shape: Vec3; // acquired (k, i, j)
  spacing: Vec3; // acquired voxel size (mm)
  target: Vec3; // resampled sizes of the acquired axes
  axes: Vec3; // model axis t ← acquired axis axes[t]
  flips: [boolean, boolean, boolean];
}

export function modelShape(g: GridMap): Vec3 {
  return [g.target[g.axes[0]], g.target[g.axes[1]], g.target[g.axes[2]]];
}

/** The voxel size reached, along the acquired axes (mm). */
export function targetSpacing(g: GridMap): Vec3 {
  return [0, 1, 2].map((a) => (g.shape[a] * g.spacing[a]) / g.target[a]) as Vec3;
}

/** One ACQUIRED voxel's volume (mm³): what a label count is multiplied by. */
export function voxelMm3(g: GridMap): number {
  return g.spacing[0] * g.spacing[1] * g.spacing[2];
}

export function planGrid(stack: StackGeometry, plan: VolumePlan): GridMap {
  const owner = assignAxes(stack.axes);
  const axes: number[] = [], flips: boolean[] = [], mm = [0, 0, 0];
  for (let t = 0; t < 3; t++) {
    const [patient, sign] = DIRECTIONS[plan.axes[t]];
    const a = owner[patient];
    axes.push(a);
    flips.push(stack.axes[a][patient] * sign < 0);
    mm[a] = plan.spacing_mm[t];
  }
  const target = [0, 1, 2].map((a) => Math.max(1, pyRound((stack.shape[a] * stack.spacing[a]) / mm[a]))) as Vec3;
  return { shape: stack.shape, spacing: stack.spacing, target, axes: axes as Vec3, flips: flips as GridMap["flips"] };
}

/** Python's round(): half to even. */
function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Per target position: the two acquired neighbours and the second's weight (float32). */
export function linearWeights(n: number, m: number): [Int32Array, Int32Array, Float32Array] {
  const lo = new Int32Array(m), hi = new Int32Array(m), w = new Float32Array(m);
  for (let t = 0; t < m; t++) {
    const x = Math.min(Math.max((t + 0.5) * (n / m) - 0.5, 0), n - 1);
    lo[t] = Math.floor(x);
    hi[t] = Math.min(lo[t] + 1, n - 1);
    w[t] = x - lo[t];
  }
  return [lo, hi, w];
}

export function nearestSource(n: number, m: number): Int32Array {
  return Int32Array.from({ length: m }, (_, t) => Math.min(Math.max(Math.floor((t + 0.5) * (n / m)), 0), n - 1));
}

/** For each of n acquired positions, the target voxel it lies in (labels back). */
export function nearestTarget(n: number, m: number): Int32Array {
  return Int32Array.from({ length: n }, (_, k) => Math.min(Math.max(Math.floor((k + 0.5) * (m / n)), 0), m - 1));
}

/** A C-order array of `shape` (2-D or 3-D) resampled to `m` along `axis` (float32). */
export function resampleAxis(src: ArrayLike<number>, shape: number[], axis: number, m: number,
                             interpolation: string): Float32Array {
  const n = shape[axis];
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(outer * m * inner);
  if (n === m) { out.set(src as ArrayLike<number>); return out; }
  const [lo, hi, w] = linearWeights(n, m);
  const near = nearestSource(n, m);
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < m; t++) {
      const dst = (o * m + t) * inner;
      if (interpolation === "nearest") {
        const s = (o * n + near[t]) * inner;
        for (let j = 0; j < inner; j++) out[dst + j] = src[s + j];
      } else {
        const a0 = (o * n + lo[t]) * inner, b0 = (o * n + hi[t]) * inner, wt = w[t];
        for (let j = 0; j < inner; j++) {
          const a = f32(src[a0 + j]);
          out[dst + j] = f32(a + f32(f32(f32(src[b0 + j]) - a) * wt));
        }
      }
    }
  }
  return out;
}

/** The series in the model's intensity space on the target grid, ACQUIRED order
 * (m0, m1, m2), from `frame(k)` (modality values, rows × columns, float32). */
export async function assemble(frame: (k: number) => Promise<ArrayLike<number>>, grid: GridMap,
                               intensity: Intensity, interpolation: string,
                               progress?: (done: number) => void): Promise<Float32Array> {
  const [n0, rows, cols] = grid.shape;
  const [m0, m1, m2] = grid.target;
  const plane = m1 * m2;
  const stack = new Float32Array(n0 * plane);
  const minmax = intensity.kind === "minmax";
  for (let k = 0; k < n0; k++) {
    const values = Float32Array.from(await frame(k));
    if (!minmax) applyIntensity([values], intensity); // elementwise, per slice
    const byRows = resampleAxis(values, [rows, cols], 0, m1, interpolation);
    stack.set(resampleAxis(byRows, [m1, cols], 1, m2, interpolation), k * plane);
    progress?.(k + 1);
  }
  if (minmax) { // over the whole series (NumPy's nanmin / nanmax)
    let lo = Infinity, hi = -Infinity;
    for (const v of stack) if (!Number.isNaN(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    if (!(hi > lo)) stack.fill(0);
    else {
      const flo = f32(lo), span = f32(hi - lo);
      for (let k = 0; k < stack.length; k++) {
        const v = f32(f32(stack[k] - flo) / span);
        stack[k] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }
  return m0 === n0 ? stack : resampleAxis(stack, [n0, m1, m2], 0, m0, interpolation);
}

/** A target-grid array in acquired order → model order [depth, rows, columns] (a copy). */
export function toModel(acquired: Float32Array, grid: GridMap): Float32Array {
  const [d, r, c] = modelShape(grid);
  const out = new Float32Array(d * r * c);
  const strides = [grid.target[1] * grid.target[2], grid.target[2], 1];
  const s = grid.axes.map((a) => strides[a]);
  const first = grid.axes.map((a, t) => (grid.flips[t] ? (grid.target[a] - 1) * strides[a] : 0));
  const step = s.map((x, t) => (grid.flips[t] ? -x : x));
  let at = 0;
  for (let i = 0; i < d; i++) {
    const bi = first[0] + first[1] + first[2] + i * step[0];
    for (let j = 0; j < r; j++) {
      const bj = bi + j * step[1];
      for (let k = 0; k < c; k++) out[at++] = acquired[bj + k * step[2]];
    }
  }
  return out;
}

/** The manifest's pad_value (a modality value) as the model sees it. */
export function padInModelSpace(plan: VolumePlan, intensity: Intensity): number {
  if (intensity.kind === "minmax") return 0;
  const one = new Float32Array([plan.pad_value]);
  applyIntensity([one], intensity);
  return one[0];
}
