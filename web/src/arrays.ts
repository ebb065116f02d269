// The service's arrays ({dtype, shape, encoding: "zlib+base64", data}, written by
// viewer/inference/result_arrays.py) decoded into typed arrays, and a run's answer
// (RunResponse with ?outputs=arrays) turned into the RunResult the overlays draw.
import { unzlibSync } from "fflate";
import type {
  ArrayData, BoxResult, ComputedWhere, DType, FrameResult, Letterbox, OutputResult, RunResult, VolumeSummary,
} from "./types";

export const ENCODING = "zlib+base64";

/** An answer that is not as the service writes it (never drawn). */
export class ArrayFormatError extends Error {}

const SIZES: Record<DType, number> = { uint8: 1, uint16: 2, int32: 4, float32: 4 };

function base64Bytes(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4) {
    throw new ArrayFormatError("an array whose data is not base64");
  }
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Little-endian bytes as the dtype's typed array (a copy, aligned). */
export function typedArray(dtype: DType, bytes: Uint8Array, count: number): ArrayData["data"] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case "uint8":
      return bytes.slice(0, count);
    case "uint16": {
      const out = new Uint16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint16(2 * i, true);
      return out;
    }
    case "int32": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
      return out;
    }
    case "float32": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
  }
}

/** One encoded array → ArrayData; ArrayFormatError when it is not one of ours. */
export function decodeArray(item: unknown): ArrayData {
  if (typeof item !== "object" || item === null) throw new ArrayFormatError("not an array");
  const a = item as Record<string, unknown>;
  const dtype = a.dtype as DType;
  if (!(dtype in SIZES)) throw new ArrayFormatError(`an array of ${String(a.dtype)}`);
  if (a.encoding !== ENCODING) throw new ArrayFormatError(`an array in ${String(a.encoding)}`);
  const shape = a.shape;
  if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new ArrayFormatError("an array without a shape");
  }
  if (typeof a.data !== "string") throw new ArrayFormatError("an array without data");
  let raw: Uint8Array;
  try {
    raw = unzlibSync(base64Bytes(a.data));
  } catch (error) {
    if (error instanceof ArrayFormatError) throw error;
    throw new ArrayFormatError("an array whose data does not inflate");
  }
  const count = (shape as number[]).reduce((p, n) => p * n, 1);
  if (raw.length !== count * SIZES[dtype]) {
    throw new ArrayFormatError(`an array of ${raw.length} bytes for shape [${shape.join(", ")}]`);
  }
  return { dtype, shape: shape as number[], data: typedArray(dtype, raw, count) };
}

function pair(value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) throw new ArrayFormatError("a letterbox");
  return [Number(value[0]), Number(value[1])];
}

export function letterbox(item: unknown): Letterbox {
  const b = item as Record<string, unknown>;
  return { source: pair(b.source), target: pair(b.target), scale: pair(b.scale), offset: pair(b.offset) };
}

function boxes(items: unknown): BoxResult[] {
  if (!Array.isArray(items)) return [];
  return items.map((b) => ({
    x0: Number(b.x0), y0: Number(b.y0), x1: Number(b.x1), y1: Number(b.y1),
    score: Number(b.score), class_index: Number(b.class_index), class: String(b.class),
  }));
}

function numbers(items: unknown): (number | null)[] {
  return Array.isArray(items) ? items.map((v) => (v === null ? null : Number(v))) : [];
}

function output(o: Record<string, unknown>): OutputResult {
  const name = String(o.name);
  switch (o.kind) {
    case "mask":
      return { name, kind: "mask", label_map: decodeArray(o.label_map) };
    case "heatmap":
      return {
        name, kind: "heatmap",
        grid: o.grid == null ? null : decodeArray(o.grid),
        box: o.box == null ? null : letterbox(o.box),
        value_range: o.value_range == null ? [0, 1] : pair(o.value_range),
        given: o.given == null ? null : decodeArray(o.given),
      };
    case "boxes":
      return { name, kind: "boxes", score_threshold: Number(o.score_threshold),
               boxes: boxes(o.boxes), candidates: boxes(o.candidates) };
    case "labels":
      return { name, kind: "labels", probabilities: numbers(o.probabilities) };
    case "values":
      return { name, kind: "values", values: numbers(o.values) };
    default:
      throw new ArrayFormatError(`an output of kind ${String(o.kind)}`);
  }
}

function frame(item: Record<string, unknown>): FrameResult {
  const d = item.domain as Record<string, unknown> | null | undefined;
  return {
    frame_index: Number(item.frame_index),
    sop_instance_uid: String(item.sop_instance_uid ?? ""),
    geometry: letterbox(item.geometry),
    outputs: ((item.outputs as Record<string, unknown>[]) ?? []).map(output),
    domain: d ? { psi: d.psi == null ? null : Number(d.psi), level: String(d.level),
                  findings: (d.findings as string[]) ?? [], notes: (d.notes as string[]) ?? [] }
      : null,
  };
}

/** "CPUExecutionProvider" → "CPU" (the provider as the page names it). */
export function providerName(provider: string): string {
  const known: Record<string, string> = {
    CPUExecutionProvider: "CPU", CUDAExecutionProvider: "CUDA",
    TensorrtExecutionProvider: "TensorRT", CoreMLExecutionProvider: "Core ML",
  };
  return known[provider] ?? (provider.replace(/ExecutionProvider$/, "") || "CPU");
}

/** The service's RunResponse (?outputs=arrays) → RunResult, computed "on the service". */
export function runResultOf(body: unknown): RunResult {
  const r = body as Record<string, unknown>;
  const p = r.provenance as Record<string, unknown> | undefined;
  const arrays = r.arrays as Record<string, unknown> | null | undefined;
  if (!p || !arrays || !Array.isArray(arrays.frames)) {
    throw new ArrayFormatError("a run answer without its provenance or arrays");
  }
  const where: ComputedWhere = { place: "service", backend: providerName(String(p.provider ?? "")) };
  return {
    model: {
      id: String(p.model_id), name: String(p.model_name), version: String(p.model_version),
      digest: String(p.model_digest), not_for_clinical_use: Boolean(p.not_for_clinical_use),
    },
    where,
    frames: (arrays.frames as Record<string, unknown>[]).map(frame),
    warnings_accepted: (r.warnings_accepted as string[]) ?? [],
    volume: (arrays.volume as VolumeSummary | null | undefined) ?? null,
  };
}
