// The parts of manifest.json the browser needs to verify and run a model, read from the
// same JSON the desktop parses (viewer/inference/manifest.py holds the full contract and
// its checks; the service serves only models that passed them).
import { type Reference, parseReference } from "./domain";
import { parseVolume, type VolumePlan } from "./volume_grid";

export interface Label { name: string; value: number | null; color: string | null; unit: string }

export interface Intensity {
  kind: "window" | "normalize" | "minmax";
  center: number; width: number; mean: number; std: number;
}

export interface Resize {
  size: [number, number];
  keep_aspect: boolean;
  pad_value: number;
  interpolation: "linear" | "nearest";
}

export interface InputSpec {
  name: string;
  shape: (number | string)[];
  channels: 1 | 3;
  resize: Resize;
  intensity: Intensity;
  slices: number | null;
  from_other_series: boolean;
}

export interface OutputSpec {
  name: string;
  kind: string;
  shape: (number | string)[];
  activation: "none" | "softmax" | "sigmoid";
  labels: Label[];
  value_range: [number, number];
  scores: string | null;
  classes: Label[];
  score_threshold: number;
  nms_iou: number;
  layout: "fixed" | "variable";
  batch_index: string | null;
  classes_output: string | null;
}

export interface Manifest {
  id: string;
  name: string;
  version: string;
  digest: string;
  not_for_clinical_use: boolean;
  intended_use: {
    modality: string[]; body_part: string[]; view: string | null;
    pixel_spacing_mm: [number, number] | null; input: "slice" | "volume";
  };
  inputs: InputSpec[];
  outputs: OutputSpec[];
  tolerance: { atol: number; rtol: number; scale_rtol: number };
  files: Record<string, string>;
  volume: VolumePlan | null;
  reference: Reference | null;
}

type Obj = Record<string, unknown>;

function labels(value: unknown, values: boolean): Label[] {
  return ((value as Obj[] | undefined) ?? []).map((item, i) => ({
    name: String(item.name),
    value: item.value !== undefined ? Number(item.value) : values ? i : null,
    color: typeof item.color === "string" ? item.color.toUpperCase() : null,
    unit: String(item.unit ?? "").trim(),
  }));
}

/** The manifest's fields with the defaults manifest.py gives absent ones. */
export function parseManifest(raw: Obj): Manifest {
  const use = (raw.intended_use ?? {}) as Obj;
  const inputs = (raw.inputs as Obj[]).map((d): InputSpec => {
    const shape = d.shape as (number | string)[];
    const rz = (d.resize ?? { size: shape.slice(-2) }) as Obj;
    const it = d.intensity as Obj;
    return {
      name: String(d.name), shape, channels: Number(d.channels) as 1 | 3,
      resize: {
        size: [Number((rz.size as number[])[0]), Number((rz.size as number[])[1])],
        keep_aspect: rz.keep_aspect === undefined ? true : Boolean(rz.keep_aspect),
        pad_value: Number(rz.pad_value ?? 0),
        interpolation: (rz.interpolation ?? "linear") as Resize["interpolation"],
      },
      intensity: {
        kind: it.kind as Intensity["kind"], center: Number(it.center ?? 0),
        width: Number(it.width ?? 1), mean: Number(it.mean ?? 0), std: Number(it.std ?? 1),
      },
      slices: d.slices == null ? null : Number(d.slices),
      from_other_series: d.series != null && String((d.series as Obj).role ?? "") !== "primary",
    };
  });
  const outputs = (raw.outputs as Obj[]).map((d): OutputSpec => {
    const kind = String(d.kind);
    const shape = d.shape as (number | string)[];
    const rng = (d.range ?? [0, 1]) as number[];
    let layout = (d.layout ?? "fixed") as OutputSpec["layout"];
    if (["box_scores", "box_classes", "box_batch"].includes(kind) && shape[0] !== "batch") layout = "variable";
    return {
      name: String(d.name), kind, shape,
      activation: (d.activation ?? "none") as OutputSpec["activation"],
      labels: ["mask", "label_map", "labels", "values"].includes(kind)
        ? labels(d.labels, kind === "mask" || kind === "label_map") : [],
      value_range: [Number(rng[0]), Number(rng[1])],
      scores: d.scores == null ? null : String(d.scores),
      classes: kind === "boxes" ? labels(d.classes, false) : [],
      score_threshold: Number(d.score_threshold ?? 0.5),
      nms_iou: Number(d.nms_iou ?? 0.5),
      layout,
      batch_index: d.batch_index == null ? null : String(d.batch_index),
      classes_output: d.classes_output == null ? null : String(d.classes_output),
    };
  });
  const tol = (raw.tolerance ?? {}) as Obj;
  const spacing = use.pixel_spacing_mm as number[] | null | undefined;
  return {
    id: String(raw.id), name: String(raw.name), version: String(raw.version),
    digest: String(raw.digest), not_for_clinical_use: Boolean(raw.not_for_clinical_use ?? false),
    intended_use: {
      modality: ((use.modality ?? []) as string[]).map((m) => String(m).toUpperCase()),
      body_part: ((use.body_part ?? []) as string[]).map((m) => String(m).toUpperCase()),
      view: use.view == null ? null : String(use.view).toUpperCase(),
      pixel_spacing_mm: spacing ? [Number(spacing[0]), Number(spacing[1])] : null,
      input: (use.input ?? "slice") as "slice" | "volume",
    },
    inputs, outputs,
    tolerance: { atol: Number(tol.atol), rtol: Number(tol.rtol), scale_rtol: Number(tol.scale_rtol ?? 0) },
    files: (raw.files ?? {}) as Record<string, string>,
    volume: parseVolume(raw.volume),
    reference: parseReference(raw.reference),
  };
}

/** Whether axis 0 of an output is the batch (a variable-length output's is its rows). */
export function batchFirst(spec: OutputSpec): boolean {
  return spec.shape.length > 0 && spec.shape[0] === "batch";
}
