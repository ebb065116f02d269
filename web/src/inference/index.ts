// In-browser inference: the API the page calls. A model is verified in this browser
// (verify.ts: digests, then its golden vectors replayed on the backend) before it runs;
// pre- and post-processing follow the manifest as viewer.inference does (preprocess.ts,
// postprocess.ts), giving the FrameResult the service's ?outputs=arrays answer gives. A
// volume model runs over the whole series (volume_run.ts: grid, window, labels back, mL).
import type { DomainResult, FramePixels, FrameResult, FrameSource, Letterbox, ModelIdentity, RunResult } from "../types";
import { checkDomain } from "./domain";
import { checkIntendedUse } from "./intended_use";
import { backendName, backends as offeredBackends, ort } from "./ort";
import { postprocess, splitBatch, toNumbers, type Raw } from "./postprocess";
import type { RunBatch } from "./sliding_window";
import { VolumeRefused } from "./volume_grid";
import { checkVolume, runVolume } from "./volume_run";
import { neighbours, prepareSlice, prepareStack } from "./preprocess";
import { Service, type ServiceOptions } from "./service";
import { type VerifiedModel, verifyModel } from "./verify";

export type Backend = "webgpu" | "wasm";

/** The model checked in this browser: file digests against its manifest, then its golden
 * vectors replayed on `backend` and compared by the manifest's tolerance rule. */
export interface Verification {
  model: ModelIdentity;
  ok: boolean;
  backend: Backend;
  reason: string | null; // why it was refused (null when ok)
  files_checked: string[];
  golden_worst: number | null; // the worst |a-b| / allowed ratio over the golden vectors
}

export interface RunOptions {
  frames: number[]; // frame indices to run on (a 2-D model: each; neighbours read as needed)
  backend?: Backend; // default: WebGPU when the browser offers it, else WebAssembly
  accept_warnings?: boolean; // intended-use warnings, the same semantics as the desktop
  /** A volume model's progress: frames read, then patches run, of one total. */
  progress?: (done: number, total: number) => void;
  /** Stops a volume model's run between frames and between batches of patches (the
   * desktop's cancel): the run rejects and nothing is returned. */
  signal?: AbortSignal;
}

export interface BrowserInference {
  /** Backends this browser offers, best first, with why another is missing. */
  backends(): Promise<{ available: Backend[]; notes: string[] }>;
  verify(modelId: string, backend?: Backend): Promise<Verification>;
  run(modelId: string, source: FrameSource, options: RunOptions): Promise<RunResult>;
  /** Milliseconds of each of `runs` runs of the verified model on its first golden sample
   * (after one untimed run): the model alone, for bench/bench_web_inference.py. */
  timeModel?(modelId: string, backend: Backend, runs: number): Promise<{ ms: number[]; notes: string[] }>;
}

/** A run refused because the series is outside the model's intended use: run again with
 * accept_warnings to go ahead (the desktop's and the service's 409). */
export class IntendedUseWarning extends Error {
  constructor(readonly model: string, readonly warnings: string[]) {
    super(`model ${model}: outside intended use: ${warnings.join("; ")}`);
  }
}

/** Raised for what the browser will not run (the page shows the message). */
export class InferenceRefused extends Error {}

const BATCH = 4;

export type { ServiceOptions };

export function browserInference(options: ServiceOptions = {}): BrowserInference {
  const service = new Service(options);
  // One verification per model and backend for the page's life (a refusal is kept too:
  // reload the page to try again).
  const verified = new Map<string, Promise<VerifiedModel | Verification>>();

  /** The backends to try, best first: the one asked for, or every one offered. */
  async function candidates(backend?: Backend): Promise<Backend[]> {
    const { available } = await offeredBackends();
    if (backend) {
      if (!available.includes(backend)) {
        throw new InferenceRefused(`${backendName(backend)} is not offered by this browser`);
      }
      return [backend];
    }
    if (!available.length) throw new InferenceRefused("this browser offers neither WebGPU nor WebAssembly");
    return available;
  }

  async function chosen(backend?: Backend): Promise<Backend> {
    return (await candidates(backend))[0];
  }

  /** The model verified on `backend`, or (none asked for) on the first backend where it
   * verifies: a model whose golden vectors do not replay on WebGPU (other kernels, other
   * rounding) runs in WebAssembly, as the service keeps a model on the CPU when a GPU
   * provider fails its replay. Every refusal is in the answer when none verifies. */
  async function settled(modelId: string, backend?: Backend): Promise<VerifiedModel | Verification> {
    const tried: Verification[] = [];
    for (const b of await candidates(backend)) {
      const m = await model(modelId, b);
      if ("verification" in m) return m;
      tried.push(m);
    }
    if (tried.length === 1) return tried[0];
    return { ...tried[tried.length - 1], reason: tried.map((t) => t.reason).join("; ") };
  }

  function model(modelId: string, backend: Backend): Promise<VerifiedModel | Verification> {
    const key = `${modelId}\u0000${backend}`;
    let found = verified.get(key);
    if (!found) {
      found = verifyModel(service, modelId, backend);
      verified.set(key, found);
    }
    return found;
  }

  async function verify(modelId: string, backend?: Backend): Promise<Verification> {
    let m: VerifiedModel | Verification;
    try {
      m = await settled(modelId, backend);
    } catch (e) {
      return { model: { id: modelId, name: modelId, version: "", digest: "", not_for_clinical_use: false },
               ok: false, backend: backend ?? "wasm", reason: (e as Error).message, files_checked: [], golden_worst: null };
    }
    return "verification" in m ? m.verification : m;
  }

  async function run(modelId: string, source: FrameSource, opts: RunOptions): Promise<RunResult> {
    const m = await settled(modelId, opts.backend);
    if (!("verification" in m)) throw new InferenceRefused(m.reason ?? `${modelId} did not verify`);
    const backend = m.backend;
    const manifest = m.manifest;
    if (manifest.inputs.length !== 1 || manifest.inputs[0].from_other_series) {
      throw new InferenceRefused(`${manifest.name} reads more than one input: this model runs on the service`);
    }
    const spec = manifest.inputs[0];
    const total = source.frame_count;
    const indices = opts.frames.map(Number);
    if (total === 0) throw new InferenceRefused(`model ${modelId}: the series holds no image`);
    if (indices.some((i) => !Number.isInteger(i) || i < 0 || i >= total)) {
      throw new InferenceRefused(`model ${modelId}: frame numbers must lie in 0..${total - 1}`);
    }
    const cache = new Map<number, Promise<FramePixels>>();
    const frame = (i: number) => {
      let f = cache.get(i);
      if (!f) { f = source.frame(i); cache.set(i, f); }
      return f;
    };
    // A volume model reads every frame itself, one at a time (volume_run.ts): its check of
    // intended use takes the spacing from the series description, so no frame is held here.
    const described = manifest.volume !== null ? source.geometry?.frames : undefined;
    const asked = described
      ? indices.map((i): FramePixels => ({ index: i, rows: described[i].rows, columns: described[i].columns, samples: 1,
                                           values: new Float32Array(0), sop_instance_uid: described[i].sop_instance_uid ?? "",
                                           pixel_spacing: described[i].pixel_spacing as [number, number] | null }))
      : await Promise.all(indices.map(frame));
    const check = checkIntendedUse(manifest, source, asked);
    if (check.problems.length) throw new InferenceRefused(`model ${modelId}: ${check.problems.join("; ")}`);
    if (manifest.volume !== null) { // a faithful volume that fits, before any warning is asked
      try {
        checkVolume(manifest, source);
      } catch (e) {
        throw new InferenceRefused(`model ${modelId}: ${(e as Error).message}`);
      }
    }
    if (check.warnings.length && !opts.accept_warnings) throw new IntendedUseWarning(modelId, check.warnings);
    if (manifest.volume !== null) {
      const outputs = manifest.outputs.map((o) => o.name);
      const batch: RunBatch = async (data, size) => {
        const tensor = new ort.Tensor("float32", data, [size, 1, ...manifest.volume!.patch_size]);
        let got: ort.InferenceSession.OnnxValueMapType;
        try {
          got = await m.session.run({ [spec.name]: tensor });
        } catch (e) {
          throw new InferenceRefused(`model ${modelId} failed in ${backendName(backend)}: ${(e as Error).message}`);
        }
        return outputs.map((name) => {
          const t = got[name] as ort.Tensor;
          return { data: toNumbers(t.data as Float32Array), dims: Array.from(t.dims) };
        });
      };
      let done: Awaited<ReturnType<typeof runVolume>>;
      try {
        done = await runVolume(manifest, source, indices, batch, opts.progress, undefined, opts.signal);
      } catch (e) {
        if (e instanceof VolumeRefused) throw new InferenceRefused(`model ${modelId}: ${e.message}`);
        throw e;
      }
      for (const f of done.frames) {
        f.sop_instance_uid = described?.[f.frame_index].sop_instance_uid ?? (await frame(f.frame_index)).sop_instance_uid;
      }
      return { model: m.identity, where: { place: "browser", backend: backendName(backend) }, frames: done.frames,
               warnings_accepted: check.warnings.length ? check.warnings : [], volume: done.volume };
    }
    const stacked = manifest.intended_use.input === "volume"; // N neighbouring slices
    const frames: FrameResult[] = [];
    for (let start = 0; start < indices.length; start += BATCH) {
      const chunk = indices.slice(start, start + BATCH);
      const samples: Float32Array[] = [];
      const boxes: Letterbox[] = [];
      const domains: (DomainResult | null)[] = [];
      for (const i of chunk) {
        let prepared;
        if (stacked) {
          const stack = await Promise.all(neighbours(i, spec.slices ?? 1, total).map(frame));
          if (new Set(stack.map((f) => `${f.rows}x${f.columns}`)).size !== 1) {
            throw new InferenceRefused(`model ${modelId}: the slices around this image differ in size`);
          }
          prepared = prepareStack(stack, spec);
        } else {
          prepared = prepareSlice(await frame(i), spec);
        }
        samples.push(prepared.sample);
        boxes.push(prepared.box);
        domains.push(manifest.reference === null ? null : checkDomain(
          manifest.reference, prepared.sample, [...prepared.box.target], prepared.box,
          (await frame(i)).pixel_spacing, { modality: source.modality || null, kvp: null }));
      }
      const per = samples[0].length;
      const data = new Float32Array(per * samples.length);
      samples.forEach((s, k) => data.set(s, k * per));
      const dims = [samples.length, ...spec.shape.slice(1).map((a, k) => (typeof a === "number" ? a : inferDim(spec.shape.length, k, boxes[0].target)))];
      const tensor = new ort.Tensor("float32", data, dims);
      let got: ort.InferenceSession.OnnxValueMapType;
      try {
        got = await m.session.run({ [spec.name]: tensor });
      } catch (e) {
        throw new InferenceRefused(`model ${modelId} failed in ${backendName(backend)}: ${(e as Error).message}`);
      }
      const raw = new Map<string, Raw>();
      for (const o of manifest.outputs) {
        const t = got[o.name] as ort.Tensor;
        const d = t.data as unknown;
        raw.set(o.name, { data: d instanceof BigInt64Array ? Float64Array.from(d, (v) => Number(v)) : d as ArrayLike<number>, dims: Array.from(t.dims) });
      }
      const perSample = splitBatch(manifest.outputs, raw, chunk.length);
      chunk.forEach((i, k) => {
        frames.push({ frame_index: i, sop_instance_uid: "", geometry: boxes[k], outputs: postprocess(perSample[k], manifest.outputs, boxes[k]), domain: domains[k] });
      });
    }
    for (const f of frames) f.sop_instance_uid = (await frame(f.frame_index)).sop_instance_uid;
    return { model: m.identity, where: { place: "browser", backend: backendName(backend) }, frames,
             warnings_accepted: check.warnings.length ? check.warnings : [] };
  }

  async function timeModel(modelId: string, backend: Backend, runs: number) {
    const m = await model(modelId, await chosen(backend));
    if (!("verification" in m)) throw new InferenceRefused(m.reason ?? `${modelId} did not verify`);
    await m.session.run(m.goldenFeed);
    const ms: number[] = [];
    for (let k = 0; k < runs; k++) {
      const start = performance.now();
      await m.session.run(m.goldenFeed);
      ms.push(performance.now() - start);
    }
    return { ms, notes: (await offeredBackends()).notes };
  }

  return { backends: offeredBackends, verify, run, timeModel };
}

/** A symbolic axis of the input: rows and columns are the letterbox's target. */
function inferDim(rank: number, k: number, target: [number, number]): number {
  const axis = k + 1;
  if (axis === rank - 2) return target[0];
  if (axis === rank - 1) return target[1];
  return 1;
}
