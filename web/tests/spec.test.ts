/// <reference types="node" />
// The other half of tests/web/test_spec_js.py: the TypeScript on the cases Python wrote
// (LIGHTBOX_SPEC_DIR), compared with what viewer.inference made of the same inputs.
// Skipped when run alone (npm test): the cases come from the Python test.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DomainResult, OutputResult } from "../src/types";
import { checkDomain, parseReference } from "../src/inference/domain";
import { decodeArray } from "../src/arrays";
import { parseManifest } from "../src/inference/manifest";
import { asFloat64, readNpy, type NpyArray } from "../src/inference/npy";
import { createSession, ort } from "../src/inference/ort";
import { postprocess, splitBatch, type Raw } from "../src/inference/postprocess";
import { neighbours, prepareSlice, prepareStack } from "../src/inference/preprocess";
import { agreement, type Tolerance } from "../src/inference/tolerance";

const DIR = process.env.LIGHTBOX_SPEC_DIR;

interface Case {
  name: string; image: string; stack?: string[]; center?: number; neighbours?: number[]; samples: 1 | 3; inputs: unknown[]; outputs: unknown[];
  tolerance: { atol: number; rtol: number; scale_rtol?: number }; run_model?: boolean;
  raw?: Record<string, string>;
  spacing?: [number, number] | null; reference?: unknown;
  python: { sample: string; box: unknown; outputs?: Record<string, unknown>[]; domain?: DomainResult };
}

const npy = (name: string): NpyArray => readNpy(new Uint8Array(readFileSync(join(DIR!, name))), name);

function rawOf(a: NpyArray): Raw {
  return { data: asFloat64(a), dims: a.shape };
}

function compareOutputs(got: OutputResult[], want: Record<string, unknown>[], tol: Tolerance, problems: string[], exact: boolean): number {
  let worst = 0;
  if (got.length !== want.length) { problems.push(`${got.length} outputs, Python ${want.length}`); return Infinity; }
  got.forEach((g, k) => {
    const w = want[k];
    const where = `output ${g.name}`;
    if (g.kind !== w.kind) { problems.push(`${where}: kind ${g.kind}, Python ${w.kind}`); return; }
    if (g.kind === "mask") {
      const ref = decodeArray(w.label_map);
      if (g.label_map.dtype !== ref.dtype || g.label_map.shape.join() !== ref.shape.join()) {
        problems.push(`${where}: ${g.label_map.dtype} ${g.label_map.shape}, Python ${ref.dtype} ${ref.shape}`); return;
      }
      let differ = 0;
      for (let i = 0; i < ref.data.length; i++) if (ref.data[i] !== g.label_map.data[i]) differ++;
      if (differ && exact) problems.push(`${where}: ${differ} of ${ref.data.length} label pixels differ`);
      if (!exact && differ > ref.data.length * 0.002) problems.push(`${where}: ${differ} of ${ref.data.length} label pixels differ (end to end)`);
    } else if (g.kind === "heatmap") {
      const ref = decodeArray(w.grid);
      const found = agreement(g.grid!.data, ref.data, ref.shape, tol);
      worst = Math.max(worst, found.worst_ratio);
      if (!found.agrees) problems.push(`${where}: grid differs by ${found.max_abs}`);
      if (JSON.stringify(g.box) !== JSON.stringify(w.box)) problems.push(`${where}: box ${JSON.stringify(g.box)}, Python ${JSON.stringify(w.box)}`);
      if (JSON.stringify(g.value_range) !== JSON.stringify(w.value_range)) problems.push(`${where}: value_range differs`);
    } else if (g.kind === "boxes") {
      for (const key of ["boxes", "candidates"] as const) {
        let mine = g[key], theirs = w[key] as Record<string, number | string>[];
        if (!exact && key === "candidates") {
          // end to end, candidates far below the threshold tie in score and change places:
          // the same set is what must hold
          const order = <T extends Record<string, unknown>>(list: T[]) =>
            [...list].sort((p, q) => (p.x0 as number) - (q.x0 as number) || (p.y0 as number) - (q.y0 as number));
          mine = order(mine as unknown as Record<string, unknown>[]) as unknown as typeof mine;
          theirs = order(theirs);
        }
        if (mine.length !== theirs.length) { problems.push(`${where}: ${mine.length} ${key}, Python ${theirs.length}`); continue; }
        mine.forEach((b, i) => {
          const t = theirs[i];
          for (const f of ["x0", "y0", "x1", "y1", "score"] as const) {
            const d = Math.abs(b[f] - (t[f] as number));
            const allowed = exact ? 0 : tol.atol + tol.rtol * Math.abs(t[f] as number) + 0.01; // coordinates in pixels
            if (d > allowed) problems.push(`${where}: ${key}[${i}].${f} ${b[f]}, Python ${t[f]}`);
          }
          if (b.class_index !== t.class_index || b.class !== t.class) problems.push(`${where}: ${key}[${i}] class differs`);
        });
      }
      if (g.score_threshold !== w.score_threshold) problems.push(`${where}: threshold differs`);
    } else {
      const mine = g.kind === "labels" ? g.probabilities : g.values;
      const theirs = (g.kind === "labels" ? w.probabilities : w.values) as (number | null)[];
      const a = mine.map((v) => (v === null ? NaN : v)), b = theirs.map((v) => (v === null ? NaN : v));
      const found = agreement(a, b, [b.length], tol);
      worst = Math.max(worst, found.worst_ratio);
      if (!found.agrees) problems.push(`${where}: ${mine} against Python's ${theirs}`);
    }
  });
  return worst;
}

describe.skipIf(!DIR)("one specification with viewer.inference", () => {
  it("gives what Python gives on every case", async () => {
    const cases = JSON.parse(readFileSync(join(DIR!, "cases.json"), "utf-8")) as Case[];
    const report: Record<string, unknown>[] = [];
    const sessions = new Map<string, ort.InferenceSession>();
    for (const c of cases) {
      const problems: string[] = [];
      const manifest = parseManifest({ id: "case", name: c.name, version: "0", digest: "", inputs: c.inputs, outputs: c.outputs, tolerance: c.tolerance });
      const tol = manifest.tolerance;
      const imageOf = (file: string) => {
        const image = npy(file);
        const values = image.dtype === "uint8" ? image.data as Uint8Array : Float32Array.from(asFloat64(image));
        return { rows: image.shape[0], columns: image.shape[1], samples: c.samples, values };
      };
      let prepared;
      if (c.stack) {
        const which = neighbours(c.center!, manifest.inputs[0].slices ?? 1, c.stack.length);
        if (which.join() !== c.neighbours!.join()) problems.push(`neighbours ${which}, Python ${c.neighbours}`);
        prepared = prepareStack(which.map((i) => imageOf(c.stack![i])), manifest.inputs[0]);
      } else {
        prepared = prepareSlice(imageOf(c.image), manifest.inputs[0]);
      }
      const { sample, box } = prepared;
      if (JSON.stringify(box) !== JSON.stringify(c.python.box)) problems.push(`letterbox ${JSON.stringify(box)}, Python ${JSON.stringify(c.python.box)}`);
      const ref = npy(c.python.sample);
      const found = agreement(sample, asFloat64(ref), ref.shape, tol);
      if (!found.agrees) problems.push(`sample differs by up to ${found.max_abs} at ${found.worst}`);
      if (c.python.domain) {
        const mine = checkDomain(parseReference(c.reference)!, sample, [...box.target], box, c.spacing ?? null, { modality: "CT", kvp: null });
        const theirs = c.python.domain;
        if (Math.abs(mine.psi! - theirs.psi!) > 1e-12 * Math.max(1, Math.abs(theirs.psi!))) problems.push(`PSI ${mine.psi}, Python ${theirs.psi}`);
        const { psi: _a, ...restMine } = mine;
        const { psi: _b, ...restTheirs } = theirs;
        void _a; void _b;
        if (JSON.stringify(restMine) !== JSON.stringify(restTheirs)) problems.push(`domain ${JSON.stringify(mine)}, Python ${JSON.stringify(theirs)}`);
      }
      let post = 0, endToEnd: number | null = null;
      if (c.raw && c.python.outputs) {
        const raw = new Map(Object.entries(c.raw).map(([k, f]) => [k, rawOf(npy(f))]));
        const one = splitBatch(manifest.outputs, raw, 1)[0];
        post = compareOutputs(postprocess(one, manifest.outputs, box), c.python.outputs, tol, problems, true);
        if (c.run_model) {
          // the model on the TypeScript's own sample, in onnxruntime-web: against Python's
          // ONNX Runtime on Python's sample
          const id = c.name.split(" ")[0];
          if (!sessions.has(id)) sessions.set(id, await createSession(new Uint8Array(readFileSync(join(__dirname, "..", "..", "models", id, "model.onnx"))), "wasm"));
          const input = manifest.inputs[0];
          const got = await sessions.get(id)!.run({ [input.name]: new ort.Tensor("float32", sample, [1, input.channels, ...input.resize.size]) });
          endToEnd = 0;
          const mine = new Map<string, Raw>();
          for (const o of manifest.outputs) {
            const t = got[o.name] as ort.Tensor;
            const theirs = raw.get(o.name)!;
            const a = agreement(t.data as Float32Array, theirs.data, theirs.dims, tol);
            endToEnd = Math.max(endToEnd, a.worst_ratio);
            if (!a.agrees) problems.push(`raw output ${o.name} (onnxruntime-web) differs from Python ORT by ${a.max_abs}`);
            mine.set(o.name, { data: t.data as Float32Array, dims: Array.from(t.dims) });
          }
          const mineOne = splitBatch(manifest.outputs, mine, 1)[0];
          compareOutputs(postprocess(mineOne, manifest.outputs, box), c.python.outputs, tol, problems, false);
        }
      }
      report.push({ name: c.name, ok: problems.length === 0, problems, sample_max_abs: found.max_abs, post_worst_ratio: post, run_worst_ratio: endToEnd });
    }
    writeFileSync(join(DIR!, "report.json"), JSON.stringify(report, null, 1));
    for (const r of report) console.log(`${r.ok ? "ok  " : "FAIL"} ${r.name}: sample max |d| ${r.sample_max_abs}, raw ratio ${r.run_worst_ratio} ${(r.problems as string[]).join("; ")}`);
    expect(report.filter((r) => !r.ok)).toEqual([]);
  }, 600_000);
});
