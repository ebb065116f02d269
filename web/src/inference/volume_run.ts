// A volume model on a whole series in the browser, as viewer/inference/volume_run.py runs
// it on the desktop and the service: the stack checked and its grid planned before a pixel
// is read, the memory the run needs estimated (plan_bytes) and a series too large refused
// with the figure, every frame read through the page's frame cache, reoriented and
// resampled (volume_grid.ts), windowed through the verified session (sliding_window.ts),
// and the labels carried back to every ORIGINAL frame: one FrameResult per frame asked
// for, each with a mask, and the run's summary (mL per label) as the service answers it.
import type { DomainResult, FrameGeometry, FrameResult, FrameSource, LabelVolume, Letterbox, VolumeSummary } from "../types";
import { checkDomain } from "./domain";
import type { Manifest } from "./manifest";
import type { Raw } from "./postprocess";
import { labelVolume, masksBack, planBytes, positions, type RunBatch, slide } from "./sliding_window";
import {
  assemble, checkStack, type GridMap, modelShape, padInModelSpace, planGrid, stackGeometry,
  targetSpacing, toModel, VolumeRefused, voxelMm3,
} from "./volume_grid";

/** A run may plan to use at most this fraction of the memory (volume_run.MEMORY_FRACTION). */
export const MEMORY_FRACTION = 0.5;
/** What one browser tab can hold at most (Chromium's JavaScript heap on 64-bit). */
export const BROWSER_MEMORY = 4 * 2 ** 30;

/** The memory the page may count on: the device's (navigator.deviceMemory, a lower bound
 * in GiB where the browser says) but never more than a tab holds. */
export function memoryAvailable(): number {
  const device = (globalThis.navigator as { deviceMemory?: number } | undefined)?.deviceMemory;
  return typeof device === "number" && device > 0 ? Math.min(device * 2 ** 30, BROWSER_MEMORY) : BROWSER_MEMORY;
}

function size(count: number): string {
  return count >= 2 ** 30 ? `${(count / 2 ** 30).toFixed(1)} GiB` : `${Math.round(count / 2 ** 20)} MiB`;
}

/** The grid of `source` for the model, or a VolumeRefused with the reason (before a pixel is
 * read): no faithful volume, or a run that would not fit in `memory` bytes. */
export function checkVolume(manifest: Manifest, source: FrameSource, memory = memoryAvailable()): GridMap {
  const geo = source.geometry;
  if (!geo) throw new VolumeRefused("the series' geometry is unknown to the page: reload it");
  checkStack(geo.frames, geo.samples, geo.description);
  const grid = planGrid(stackGeometry(geo.frames), manifest.volume!);
  const needed = planBytes(manifest.outputs, grid);
  if (needed > memory * MEMORY_FRACTION) {
    throw new VolumeRefused(`this series at the model's spacing needs about ${size(needed)} of memory ` +
      `(grid ${modelShape(grid).join(" × ")}); a page in this browser can count on ${size(memory)}. ` +
      "Run it on the service.");
  }
  return grid;
}

/** Let the page paint and answer between frames and batches: a cached frame and a session
 * call resolve as microtasks, so without this the whole run would hold the page (no
 * progress drawn, no click or cancel heard) until it ends. A new task (a message to
 * ourselves: no timer clamping), so the tasks already waiting run first; not
 * scheduler.yield(), whose continuation goes ahead of them. */
export function yieldToPage(): Promise<void> {
  if (typeof MessageChannel === "undefined") return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => { channel.port1.close(); resolve(); };
    channel.port2.postMessage(null);
  });
}

/** The whole resampled volume (model order) against the training data, once for the run
 * (volume_run._domain): the first frame's pixel spacing and size, the modality. */
export function volumeDomain(manifest: Manifest, image: Float32Array, shape: number[], first: FrameGeometry,
                             modality: string): DomainResult | null {
  if (manifest.reference === null) return null;
  const [, r, c] = shape;
  const whole: Letterbox = { source: [first.rows, first.columns], target: [r, c],
                             scale: [r / first.rows, c / first.columns], offset: [0, 0] };
  const spacing = first.pixel_spacing ? [first.pixel_spacing[0], first.pixel_spacing[1]] as [number, number] : null;
  return checkDomain(manifest.reference, image, shape, whole, spacing, { modality: modality || null });
}

export interface VolumeRun { frames: FrameResult[]; volume: VolumeSummary }

/** Read ahead this many frames while the earlier ones are resampled. */
const READ_AHEAD = 4;

export async function runVolume(manifest: Manifest, source: FrameSource, indices: number[], run: RunBatch,
                                progress?: (done: number, total: number) => void,
                                memory?: number, signal?: AbortSignal): Promise<VolumeRun> {
  const plan = manifest.volume!;
  const spec = manifest.inputs[0];
  const grid = checkVolume(manifest, source, memory);
  const frames = grid.shape[0];
  const total = frames + positions(modelShape(grid), plan).length;
  progress?.(0, total);
  const pending = new Map<number, Promise<ArrayLike<number>>>();
  const stop = () => {
    if (signal?.aborted) throw new VolumeRefused("the run was cancelled; nothing is shown");
  };
  const read = (k: number) => source.frame(k).then((f) => {
    if (f.samples !== 1 || f.rows !== grid.shape[1] || f.columns !== grid.shape[2]) {
      throw new VolumeRefused(`frame ${k} is not the ${grid.shape[1]} × ${grid.shape[2]} grey image the series description gives`);
    }
    return f.values;
  });
  const frame = (k: number) => {
    for (let j = k; j < Math.min(frames, k + READ_AHEAD); j++) {
      if (pending.has(j)) continue;
      const ahead = read(j);
      ahead.catch(() => undefined); // one read ahead of a stopped run: nobody waits for it
      pending.set(j, ahead);
    }
    const got = pending.get(k)!;
    pending.delete(k);
    return yieldToPage().then(() => { stop(); return got; });
  };
  let acquired: Float32Array | null = await assemble(frame, grid, spec.intensity, plan.interpolation,
                                                     (done) => progress?.(done, total));
  const shape = modelShape(grid);
  const image = toModel(acquired, grid); // NumPy's is a view: here a copy, the original let go
  acquired = null;
  const checked: RunBatch = async (batch, n) => {
    await yieldToPage();
    stop();
    return run(batch, n);
  };
  const domain = volumeDomain(manifest, image, shape, source.geometry!.frames[0], source.modality);
  const blended = await slide(image, shape, plan, manifest.outputs, checked, padInModelSpace(plan, spec.intensity),
                              (done) => progress?.(frames + done, total));
  const masks = blended.map((b) => masksBack(labelVolume(b), grid));
  const volumes: LabelVolume[] = [];
  blended.forEach((b, o) => {
    const counts = new Map<number, number>();
    for (const m of masks[o]) for (const [v, n] of m.counts) counts.set(v, (counts.get(v) ?? 0) + n);
    for (const label of b.spec.labels) {
      if (!label.value) continue;
      const n = counts.get(label.value) ?? 0;
      volumes.push({ output: b.spec.name, value: label.value, voxels: n, ml: (n * voxelMm3(grid)) / 1000 });
    }
  });
  const reached = targetSpacing(grid);
  const volume: VolumeSummary = {
    voxel_mm3: voxelMm3(grid), frames, target_shape: shape,
    target_spacing_mm: [reached[grid.axes[0]], reached[grid.axes[1]], reached[grid.axes[2]]],
    patches: total - frames, accumulator_bytes: blended.reduce((s, b) => s + b.accumulator_bytes, 0), volumes,
  };
  const [, rows, cols] = grid.shape;
  const box: Letterbox = { source: [rows, cols], target: [grid.target[1], grid.target[2]],
                           scale: [grid.target[1] / rows, grid.target[2] / cols], offset: [0, 0] };
  const results: FrameResult[] = indices.map((i) => ({
    frame_index: i, sop_instance_uid: "", geometry: box, domain,
    outputs: blended.map((b, o) => ({ name: b.spec.name, kind: "mask" as const,
                                      label_map: { dtype: masks[o][i].mask instanceof Uint16Array ? "uint16" as const : "uint8" as const,
                                                   shape: [rows, cols], data: masks[o][i].mask } })),
  }));
  return { frames: results, volume };
}

export type { Raw };
