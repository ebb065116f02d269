// A model checked in this browser before it runs, as viewer/inference/verify.py checks it
// on the desktop: the manifest's digest (canonical JSON, canonical.ts) against its own
// "digest" and the service's listing, every downloaded file's SHA-256 against the
// manifest's "files", the graph's input and output names, then golden.npz replayed on
// the chosen backend (the whole batch, then the first sample alone) and compared by the
// manifest's tolerance rule (tolerance.ts). Any failure refuses the model with the reason,
// naming the file or the worst element; nothing runs unverified.
import type { ModelIdentity } from "../types";
import { canonicalManifestBytes } from "./canonical";
import type { Backend, Verification } from "./index";
import { type Manifest, batchFirst, parseManifest } from "./manifest";
import { type NpyArray, asFloat64, readNpz } from "./npy";
import { backendName, createSession, ort } from "./ort";
import { Service } from "./service";
import { sha256Hex } from "./sha256";
import { agreement, describeTolerance, formatG } from "./tolerance";

export class Refused extends Error {}

export interface VerifiedModel {
  manifest: Manifest;
  identity: ModelIdentity;
  backend: Backend;
  session: ort.InferenceSession;
  verification: Verification;
  /** The first golden sample, as a feed (what bench/bench_web_inference.py times). */
  goldenFeed: Record<string, ort.Tensor>;
}

export interface ModelFiles {
  manifest: Uint8Array;
  files: Map<string, Uint8Array>;
}

/** The service's digest of a model (GET /v1/models), or why it has none. */
async function listedDigest(service: Service, modelId: string): Promise<string> {
  const listing = await service.json<{ models: { id: string; digest: string | null; verified: boolean; reason?: string }[] }>("/v1/models");
  const entry = listing.models.find((m) => m.id === modelId);
  if (!entry) throw new Refused(`the service has no model ${modelId}`);
  if (!entry.verified || !entry.digest) {
    throw new Refused(`the service has not verified ${modelId}${entry.reason ? `: ${entry.reason}` : ""}`);
  }
  return entry.digest;
}

const NEEDED = ["model.onnx", "golden.npz"];
/** The largest file the browser takes: a protobuf graph over 2 GiB cannot be parsed, and
 * WebAssembly's 32-bit memory (4 GiB) must also hold the weights once more and the
 * activations. */
const MAX_MODEL_BYTES = 2 ** 31 - 1;

/** Download manifest.json, model.onnx and golden.npz, checking every digest. */
export async function fetchChecked(service: Service, modelId: string): Promise<{ manifest: Manifest; files: Map<string, Uint8Array>; checked: string[] }> {
  const expected = await listedDigest(service, modelId);
  const text = new TextDecoder().decode(await service.file(modelId, "manifest.json"));
  return checkFiles(text, expected, (name) => service.file(modelId, name));
}

/** The checks on files however they were fetched (the tests give them from disk too). */
export async function checkFiles(
  manifestText: string, expectedDigest: string | null, read: (name: string) => Promise<Uint8Array>,
): Promise<{ manifest: Manifest; files: Map<string, Uint8Array>; checked: string[] }> {
  let raw: Record<string, unknown>;
  let canonical: Uint8Array;
  try {
    raw = JSON.parse(manifestText) as Record<string, unknown>;
    canonical = canonicalManifestBytes(manifestText);
  } catch (e) {
    throw new Refused(`manifest.json cannot be read (${(e as Error).message})`);
  }
  const digest = await sha256Hex(canonical);
  if (digest !== raw.digest) throw new Refused("manifest.json does not match its digest (edited or damaged)");
  if (expectedDigest !== null && digest !== expectedDigest) {
    throw new Refused("manifest.json is not the manifest the service verified (its digest differs from the service's)");
  }
  const manifest = parseManifest(raw);
  const files = new Map<string, Uint8Array>();
  const checked = ["manifest.json"];
  for (const name of NEEDED) {
    const want = manifest.files[name];
    if (!want) throw new Refused(`${name} is not listed in the manifest's files`);
    let data: Uint8Array;
    try {
      data = await read(name);
    } catch (e) {
      if (e instanceof RangeError) throw new Refused(`${name} is too large for this browser's memory; ask the service to run the model`);
      throw e;
    }
    if (data.length > MAX_MODEL_BYTES) {
      throw new Refused(`${name} (${(data.length / 2 ** 30).toFixed(1)} GiB) is too large for the browser ` +
        "(onnxruntime-web reads at most 2 GiB in its 32-bit WebAssembly memory); ask the service to run the model");
    }
    if ((await sha256Hex(data)) !== want) throw new Refused(`${name} does not match its digest (modified or damaged)`);
    files.set(name, data);
    checked.push(name);
  }
  return { manifest, files, checked };
}

function tensorNumbers(t: ort.Tensor): ArrayLike<number> {
  const d = t.data as unknown;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) return Float64Array.from(d, (v) => Number(v));
  return d as ArrayLike<number>;
}

function rowsOfFirstImage(manifest: Manifest, golden: Map<string, NpyArray>): Map<string, boolean[]> {
  const rows = new Map<string, boolean[]>();
  for (const spec of manifest.outputs) {
    if (spec.kind === "boxes" && spec.layout === "variable" && spec.batch_index) {
      const which = Array.from(asFloat64(golden.get(`output:${spec.batch_index}`)!), (v) => v === 0);
      for (const name of [spec.name, spec.scores, spec.classes_output, spec.batch_index]) if (name) rows.set(name, which);
    }
  }
  return rows;
}

function selectRows(a: NpyArray, count: number | boolean[]): { data: Float64Array; shape: number[] } {
  const all = asFloat64(a);
  const per = a.shape.slice(1).reduce((x, y) => x * y, 1);
  if (typeof count === "number") return { data: all.subarray(0, count * per), shape: [count, ...a.shape.slice(1)] };
  const out: number[] = [];
  count.forEach((keep, r) => { if (keep) for (let j = 0; j < per; j++) out.push(all[r * per + j]); });
  return { data: Float64Array.from(out), shape: [out.length / Math.max(per, 1), ...a.shape.slice(1)] };
}

/** Replay golden.npz on `session`; the worst difference/allowed ratio, or Refused. */
export async function replayGolden(manifest: Manifest, session: ort.InferenceSession, npz: Uint8Array): Promise<number> {
  let golden: Map<string, NpyArray>;
  try {
    golden = readNpz(npz);
  } catch (e) {
    throw new Refused(`golden.npz cannot be read (${(e as Error).message})`);
  }
  const needed = [...manifest.inputs.map((i) => `input:${i.name}`), ...manifest.outputs.map((o) => `output:${o.name}`)];
  const missing = needed.filter((k) => !golden.has(k));
  if (missing.length) throw new Refused(`golden.npz lacks ${missing.join(", ")}`);
  const perImage = [...manifest.inputs.map((i) => `input:${i.name}`),
    ...manifest.outputs.filter(batchFirst).map((o) => `output:${o.name}`)];
  const batches = new Set(perImage.map((k) => golden.get(k)!.shape[0]));
  if (batches.size !== 1 || batches.has(undefined as unknown as number) || batches.has(0)) {
    throw new Refused("golden.npz arrays do not share one leading batch");
  }
  for (const i of manifest.inputs) {
    const a = golden.get(`input:${i.name}`)!;
    if (a.dtype !== "float32" && a.dtype !== "float64") throw new Refused(`golden.npz input:${i.name} is ${a.dtype}, not floating point`);
  }
  const names = manifest.outputs.map((o) => o.name);
  if (names.join("\n") !== session.outputNames.join("\n") && !names.every((n) => session.outputNames.includes(n))) {
    throw new Refused(`model.onnx has outputs ${session.outputNames.join(", ")}; the manifest names ${names.join(", ")}`);
  }
  const inputNames = manifest.inputs.map((i) => i.name);
  if (!inputNames.every((n) => session.inputNames.includes(n)) || inputNames.length !== session.inputNames.length) {
    throw new Refused(`model.onnx has inputs ${session.inputNames.join(", ")}; the manifest names ${inputNames.join(", ")}`);
  }
  const batch = [...batches][0];
  const runs: (number | "all")[] = batch > 1 ? ["all", 1] : ["all"];
  let worstRatio = 0;
  const firstRows = rowsOfFirstImage(manifest, golden);
  for (const rows of runs) {
    const feed: Record<string, ort.Tensor> = {};
    for (const spec of manifest.inputs) {
      const a = golden.get(`input:${spec.name}`)!;
      const n = rows === "all" ? a.shape[0] : rows;
      const per = a.shape.slice(1).reduce((x, y) => x * y, 1);
      feed[spec.name] = new ort.Tensor("float32", Float32Array.from(asFloat64(a).subarray(0, n * per)), [n, ...a.shape.slice(1)]);
    }
    let got: ort.InferenceSession.OnnxValueMapType;
    try {
      got = await session.run(feed);
    } catch (e) {
      throw new Refused(`golden replay fails in ONNX Runtime Web (${(e as Error).message})`);
    }
    for (const name of names) {
      const tensor = got[name] as ort.Tensor;
      const ref = golden.get(`output:${name}`)!;
      const expected = rows === "all" ? { data: asFloat64(ref), shape: ref.shape }
        : selectRows(ref, firstRows.get(name) ?? rows);
      const dims = Array.from(tensor.dims);
      if (dims.join(",") !== expected.shape.join(",")) {
        throw new Refused(`golden replay: output '${name}' has shape (${dims.join(", ")}), golden.npz (${expected.shape.join(", ")})`);
      }
      const found = agreement(tensorNumbers(tensor), expected.data, expected.shape, manifest.tolerance);
      worstRatio = Math.max(worstRatio, found.worst_ratio);
      if (!found.agrees) {
        throw new Refused(
          `golden replay: output '${name}' differs from the stored result by up to ${formatG(found.max_abs, 3)} ` +
          `(golden sample ${found.worst[0]}, element [${found.worst.join(", ")}]: ${formatG(found.worst_diff, 3)} where ` +
          `${formatG(found.worst_allowed, 3)} is allowed; output scale ${formatG(found.scale, 3)}; ` +
          `tolerance ${describeTolerance(manifest.tolerance)})`);
      }
    }
  }
  return worstRatio;
}

export function identityOf(m: Manifest): ModelIdentity {
  return { id: m.id, name: m.name, version: m.version, digest: m.digest, not_for_clinical_use: m.not_for_clinical_use };
}

/** Files checked, a session on `backend`, golden vectors replayed there. */
export async function verifyModel(service: Service, modelId: string, backend: Backend): Promise<VerifiedModel | Verification> {
  let manifest: Manifest | null = null;
  let checked: string[] = [];
  try {
    const fetched = await fetchChecked(service, modelId);
    manifest = fetched.manifest;
    checked = fetched.checked;
    const session = await createSession(fetched.files.get("model.onnx")!, backend);
    const worst = await replayGolden(manifest, session, fetched.files.get("golden.npz")!);
    const identity = identityOf(manifest);
    const verification: Verification = { model: identity, ok: true, backend, reason: null, files_checked: checked, golden_worst: worst };
    const golden = readNpz(fetched.files.get("golden.npz")!);
    const goldenFeed: Record<string, ort.Tensor> = {};
    for (const spec of manifest.inputs) {
      const a = golden.get(`input:${spec.name}`)!;
      const per = a.shape.slice(1).reduce((x, y) => x * y, 1);
      goldenFeed[spec.name] = new ort.Tensor("float32", Float32Array.from(asFloat64(a).subarray(0, per)), [1, ...a.shape.slice(1)]);
    }
    return { manifest, identity, backend, session, verification, goldenFeed };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return {
      model: manifest ? identityOf(manifest) : { id: modelId, name: modelId, version: "", digest: "", not_for_clinical_use: false },
      ok: false, backend, reason: `${modelId} is refused in this browser (${backendName(backend)}): ${reason}`,
      files_checked: checked, golden_worst: null,
    };
  }
}
