/// <reference types="node" />
// The other half of tests/web/test_spec_js.py's volume test: the TypeScript's volume steps
// (web/src/inference/volume_grid.ts, sliding_window.ts) on the cases Python wrote
// (LIGHTBOX_SPEC_DIR, tests/web/volume_cases.py), compared with viewer.inference's.
// Skipped when run alone (npm test): the cases come from the Python test.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DomainResult, FrameGeometry, RunResult } from "../src/types";
import { frameOverlay, outputLabels } from "../src/ai";
import { parseManifest } from "../src/inference/manifest";
import { asFloat64, readNpy, type NpyArray } from "../src/inference/npy";
import { createSession, ort } from "../src/inference/ort";
import { toNumbers, type Raw } from "../src/inference/postprocess";
import { labelVolume, masksBack, positions, slide } from "../src/inference/sliding_window";
import { agreement } from "../src/inference/tolerance";
import { assemble, checkStack, modelShape, padInModelSpace, planGrid, stackGeometry, toModel, VolumeRefused } from "../src/inference/volume_grid";
import { checkVolume, runVolume, volumeDomain } from "../src/inference/volume_run";

const DIR = process.env.LIGHTBOX_SPEC_DIR;
const f32 = Math.fround;

interface Case {
  name: string; description: string; frames: FrameGeometry[]; pixels: string;
  inputs: unknown[]; outputs: unknown[]; volume: unknown; tolerance: unknown;
  model: string | null; run_model: boolean; model_id: string; modality: string; reference: unknown;
  python: {
    grid: unknown; model_shape: number[]; image: string; pad: number; positions: number[][];
    labels: string; masks: string; volumes: { value: number; voxels: number; ml: number }[];
    voxel_mm3: number; accumulator_bytes: number; domain: DomainResult | null;
  };
}

const npy = (name: string): NpyArray => readNpy(new Uint8Array(readFileSync(join(DIR!, name))), name);

/** The made-up model: tests/web/volume_cases.py synthetic(), in float32 the same way. */
function synthetic(kind: string, batch: Float32Array, size: number, patch: number[]): Raw {
  const per = patch[0] * patch[1] * patch[2];
  if (kind === "mask3") {
    const out = new Float32Array(size * 3 * per);
    for (let b = 0; b < size; b++) for (let c = 0; c < 3; c++) {
      const centre = f32(c * 0.5);
      for (let p = 0; p < per; p++) {
        const d = f32(batch[b * per + p] - centre);
        out[(b * 3 + c) * per + p] = -f32(d * d);
      }
    }
    return { data: out, dims: [size, 3, ...patch] };
  }
  if (kind === "mask1") {
    return { data: batch.map((x) => f32(x - 0.5)), dims: [size, 1, ...patch] };
  }
  // label_map: np.rint(x * 3), half to even
  const out = new Float64Array(size * per);
  for (let k = 0; k < out.length; k++) {
    const x = f32(batch[k] * 3), r = Math.round(x);
    out[k] = Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }
  return { data: out, dims: [size, ...patch] };
}

describe.skipIf(!DIR)("the volume steps of viewer.inference", () => {
  it("gives what Python gives on every volume case", async () => {
    const cases = JSON.parse(readFileSync(join(DIR!, "volume_cases.json"), "utf-8")) as Case[];
    const report: Record<string, unknown>[] = [];
    const pixels = new Map<string, NpyArray>();
    for (const c of cases) {
      const problems: string[] = [];
      const manifest = parseManifest({ id: c.model_id, name: c.name, version: "0", digest: "", inputs: c.inputs,
                                       outputs: c.outputs, tolerance: c.tolerance, volume: c.volume,
                                       intended_use: { input: "volume" }, reference: c.reference });
      const plan = manifest.volume!;
      const spec = manifest.inputs[0];
      checkStack(c.frames, 1, c.description);
      const grid = planGrid(stackGeometry(c.frames), plan);
      if (JSON.stringify(grid) !== JSON.stringify(c.python.grid)) problems.push(`grid ${JSON.stringify(grid)}, Python ${JSON.stringify(c.python.grid)}`);
      const shape = modelShape(grid);
      if (shape.join() !== c.python.model_shape.join()) problems.push(`model grid ${shape}, Python ${c.python.model_shape}`);
      if (!pixels.has(c.pixels)) pixels.set(c.pixels, npy(c.pixels));
      const stack = pixels.get(c.pixels)!;
      const plane = stack.shape[1] * stack.shape[2];
      const values = stack.data as Float32Array;
      const image = toModel(await assemble(async (k) => values.subarray(k * plane, (k + 1) * plane), grid,
                                           spec.intensity, plan.interpolation), grid);
      const ref = npy(c.python.image);
      let differ = 0;
      const want = ref.data as Float32Array;
      for (let k = 0; k < want.length; k++) if (!Object.is(want[k], image[k])) differ++;
      if (want.length !== image.length) problems.push(`image of ${image.length} voxels, Python ${want.length}`);
      else if (differ) problems.push(`${differ} of ${want.length} resampled voxels differ from Python's`);
      const domain = volumeDomain(manifest, image, shape, c.frames[0], c.modality);
      const theirs = c.python.domain;
      if ((domain === null) !== (theirs === null)) problems.push(`domain ${JSON.stringify(domain)}, Python ${JSON.stringify(theirs)}`);
      else if (domain && theirs) {
        if (Math.abs(domain.psi! - theirs.psi!) > 1e-12 * Math.max(1, Math.abs(theirs.psi!))) problems.push(`PSI ${domain.psi}, Python ${theirs.psi}`);
        if (JSON.stringify([domain.level, domain.findings, domain.notes]) !== JSON.stringify([theirs.level, theirs.findings, theirs.notes])) {
          problems.push(`domain ${JSON.stringify(domain)}, Python ${JSON.stringify(theirs)}`);
        }
      }
      const pad = padInModelSpace(plan, spec.intensity);
      if (!Object.is(f32(c.python.pad), pad)) problems.push(`pad ${pad}, Python ${c.python.pad}`);
      const places = positions(shape, plan);
      if (JSON.stringify(places) !== JSON.stringify(c.python.positions)) problems.push("patch starts differ");
      let session: ort.InferenceSession | null = null;
      if (c.run_model) {
        session = await createSession(new Uint8Array(readFileSync(join(__dirname, "..", "..", "models", c.model_id, "model.onnx"))), "wasm");
      }
      const run = async (batch: Float32Array, size: number): Promise<Raw[]> => {
        if (!session) return [synthetic(c.model!, batch, size, plan.patch_size)];
        const got = await session.run({ [spec.name]: new ort.Tensor("float32", batch, [size, 1, ...plan.patch_size]) });
        return manifest.outputs.map((o) => {
          const t = got[o.name] as ort.Tensor;
          return { data: toNumbers(t.data as Float32Array), dims: Array.from(t.dims) };
        });
      };
      // the window on the TypeScript's own image (bit-equal to Python's when the above holds)
      const [blended] = await slide(image, shape, plan, manifest.outputs, run, pad);
      const labels = labelVolume(blended);
      const wantLabels = npy(c.python.labels).data as Uint8Array;
      let labelDiffer = 0;
      for (let k = 0; k < wantLabels.length; k++) if (wantLabels[k] !== labels[k]) labelDiffer++;
      // exact for the made-up model; the real model in another runtime: a voxel whose two
      // best classes tie within float32 rounding may go either way, no more than that
      const allowed = c.run_model ? wantLabels.length * 0.002 : 0;
      if (labelDiffer > allowed) problems.push(`${labelDiffer} of ${wantLabels.length} blended labels differ`);
      if (blended.accumulator_bytes !== c.python.accumulator_bytes) problems.push(`accumulator ${blended.accumulator_bytes} B, Python ${c.python.accumulator_bytes}`);
      const masks = masksBack(labels, grid);
      const wantMasks = npy(c.python.masks);
      const wm = wantMasks.data as Uint8Array;
      let maskDiffer = 0;
      masks.forEach((m, k) => {
        for (let p = 0; p < m.mask.length; p++) if (m.mask[p] !== wm[k * m.mask.length + p]) maskDiffer++;
      });
      if (masks.length !== wantMasks.shape[0]) problems.push(`${masks.length} masks, Python ${wantMasks.shape[0]}`);
      if (maskDiffer > (c.run_model ? wm.length * 0.002 : 0)) problems.push(`${maskDiffer} of ${wm.length} mask pixels differ`);
      const counts = new Map<number, number>();
      for (const m of masks) for (const [v, n] of m.counts) counts.set(v, (counts.get(v) ?? 0) + n);
      const voxel = grid.spacing[0] * grid.spacing[1] * grid.spacing[2];
      if (voxel !== c.python.voxel_mm3) problems.push(`voxel ${voxel} mm³, Python ${c.python.voxel_mm3}`);
      for (const v of c.python.volumes) {
        const n = counts.get(v.value) ?? 0;
        const ml = (n * voxel) / 1000;
        if (c.run_model ? Math.abs(n - v.voxels) > wm.length * 0.002 : n !== v.voxels || ml !== v.ml) {
          problems.push(`label ${v.value}: ${n} voxels ${ml} mL, Python ${v.voxels} voxels ${v.ml} mL`);
        }
      }
      report.push({ name: c.name, ok: problems.length === 0, problems, label_differ: labelDiffer, mask_differ: maskDiffer,
                    image_agrees: agreement(image, asFloat64(ref), ref.shape, manifest.tolerance).agrees });
    }
    writeFileSync(join(DIR!, "volume_report.json"), JSON.stringify(report, null, 1));
    for (const r of report) console.log(`${r.ok ? "ok  " : "FAIL"} ${r.name}: labels differ ${r.label_differ} ${(r.problems as string[]).join("; ")}`);
    expect(report.filter((r) => !r.ok)).toEqual([]);
  }, 900_000);
});

describe("a volume the browser will not run", () => {
  const manifest = parseManifest({
    id: "v", name: "v", version: "1", digest: "", intended_use: { input: "volume" },
    inputs: [{ name: "image", shape: ["batch", 1, 32, 32, 32], channels: 1, intensity: { kind: "window", center: 40, width: 400 } }],
    outputs: [{ name: "logits", kind: "mask", shape: ["batch", 5, 32, 32, 32], activation: "softmax",
                labels: [0, 1, 2, 3, 4].map((value) => ({ value, name: `l${value}` })) }],
    tolerance: { atol: 1e-4, rtol: 1e-3 },
    volume: { spacing_mm: [0.5, 0.5, 0.5], axes: "SPL", patch_size: [32, 32, 32] },
  });
  const axial = (count: number, step = 1, rows = 512): FrameGeometry[] => Array.from({ length: count }, (_, k) => ({
    rows, columns: rows, position: [0, 0, k * step + (k > 5 && step < 0 ? 7 : 0)], orientation: [1, 0, 0, 0, 1, 0], pixel_spacing: [0.5, 0.5],
  }));
  const source = (frames: FrameGeometry[]) => ({
    series_uid: "1", modality: "CT", body_part: "CHEST", frame_count: frames.length,
    frame: () => Promise.reject(new Error("no pixel is read before the checks")),
    geometry: { description: "", samples: 1 as const, frames },
  });

  it("refuses a grid too large for the page's memory, with the figure, before a pixel is read", async () => {
    // volume_run.plan_bytes gives the same 5.4 GiB for this grid and model
    expect(() => checkVolume(manifest, source(axial(400)), 2 ** 30))
      .toThrow(/this series at the model's spacing needs about 5\.4 GiB of memory \(grid 800 × 512 × 512\); a page in this browser can count on 1\.0 GiB\. Run it on the service\./);
    await expect(runVolume(manifest, source(axial(400)), [0], async () => [], undefined, 2 ** 30)).rejects.toThrow(VolumeRefused);
    expect(checkVolume(manifest, source(axial(40, 1, 64)), 2 ** 30).target).toEqual([80, 64, 64]);
  });

  it("refuses a stack with a gap or with mixed sizes with the desktop's reasons", () => {
    const gap = axial(10, 1, 64);
    gap.splice(4, 1);
    expect(() => checkVolume(manifest, source(gap))).toThrow(
      "volume inference refused for this series: slices are missing (a gap of 2.00 mm where 1.00 mm is typical)");
    const mixed = axial(10, 1, 64);
    mixed[3] = { ...mixed[3], rows: 32 };
    expect(() => checkVolume(manifest, source(mixed))).toThrow("its images have different sizes");
  });

  it("shows the whole-series volumes beside the overlay, as the desktop prints them", () => {
    const run: RunResult = {
      model: { id: "v", name: "V", version: "1", digest: "", not_for_clinical_use: true },
      where: { place: "browser", backend: "WebAssembly" }, warnings_accepted: [],
      frames: [{ frame_index: 0, sop_instance_uid: "1.2", geometry: { source: [1, 2], target: [1, 2], scale: [1, 1], offset: [0, 0] }, domain: null,
                 outputs: [{ name: "logits", kind: "mask", label_map: { dtype: "uint8", shape: [1, 2], data: Uint8Array.of(0, 2) } }] }],
      volume: { voxel_mm3: 1, frames: 1, target_shape: [1, 1, 2], target_spacing_mm: [1, 1, 1], patches: 1, accumulator_bytes: 40,
                volumes: [{ output: "logits", value: 2, voxels: 1234, ml: 1.234 }] },
    };
    const labels = outputLabels({ outputs: manifest.outputs.map((o) => ({ name: o.name, labels: o.labels })) });
    const shown = frameOverlay([{ run, labels }], 0, "1.2", 1, 2);
    expect(shown.lines).toContain("AI · V 1 · l2 1.2 mL");
  });
});
