// The shapes the page's parts share. Result shapes mirror the service's `?outputs=arrays`
// answer (viewer/inference/result_arrays.py, snake_case kept) so a result computed in the
// browser and one computed by the service are drawn by the same code.

export type DType = "uint8" | "uint16" | "int32" | "float32";
export type TypedArray = Uint8Array | Uint16Array | Int32Array | Float32Array;

/** A decoded array (the service sends {dtype, shape, encoding: "zlib+base64", data}). */
export interface ArrayData {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

/** Where the original image lies inside the model input (viewer/inference/preprocess.py). */
export interface Letterbox {
  source: [number, number];
  target: [number, number];
  scale: [number, number];
  offset: [number, number];
}

export interface BoxResult {
  x0: number; y0: number; x1: number; y1: number; // original image pixels, edges on integers
  score: number;
  class_index: number;
  class: string;
}

export type OutputResult =
  | { name: string; kind: "mask"; label_map: ArrayData }
  | { name: string; kind: "heatmap"; grid: ArrayData | null; box: Letterbox | null;
      value_range: [number, number]; given: ArrayData | null }
  | { name: string; kind: "boxes"; score_threshold: number; boxes: BoxResult[];
      candidates: BoxResult[] }
  | { name: string; kind: "labels"; probabilities: (number | null)[] }
  | { name: string; kind: "values"; values: (number | null)[] };

export interface DomainResult {
  psi: number | null;
  level: string;
  findings: string[];
  notes: string[];
}

export interface FrameResult {
  frame_index: number;
  sop_instance_uid: string;
  geometry: Letterbox;
  outputs: OutputResult[];
  domain: DomainResult | null;
}

/** Where a result was computed: shown beside the AI marking ("in this browser
 * (WebAssembly)", "on the service (CPU)"). */
export interface ComputedWhere {
  place: "browser" | "service";
  backend: string; // "WebGPU" | "WebAssembly" | the service's provider ("CPU", "CUDA", ...)
}

export interface ModelIdentity {
  id: string;
  name: string;
  version: string;
  digest: string;
  not_for_clinical_use: boolean;
}

export interface RunResult {
  model: ModelIdentity;
  where: ComputedWhere;
  frames: FrameResult[];
  warnings_accepted: string[];
  /** A volume model's run as a whole (result_arrays.volume_arrays): per-label mL. */
  volume?: VolumeSummary | null;
}

export interface LabelVolume { output: string; value: number; voxels: number; ml: number }

export interface VolumeSummary {
  voxel_mm3: number; // one acquired voxel
  frames: number; // acquired slices the volumes count over (the whole series)
  target_shape: [number, number, number]; // the model's grid (depth, rows, columns)
  target_spacing_mm: [number, number, number];
  patches: number;
  accumulator_bytes: number;
  volumes: LabelVolume[]; // foreground labels, manifest order
}

/** One frame's place in the patient, as the service's series description gives it. */
export interface FrameGeometry {
  rows: number;
  columns: number;
  position: number[] | null;
  orientation: number[] | null;
  pixel_spacing: number[] | null;
  sop_instance_uid?: string;
}

/** One frame's pixels as the service's frame endpoint gives them. */
export interface FramePixels {
  index: number;
  rows: number;
  columns: number;
  samples: 1 | 3;
  values: Float32Array | Uint8Array; // grey: modality values (rescale applied); RGB: rows*cols*3
  pixel_spacing: [number, number] | null;
  sop_instance_uid: string;
}

/** The series a model runs on: the page's frame cache behind it. */
export interface FrameSource {
  series_uid: string;
  modality: string;
  body_part: string;
  frame_count: number;
  frame(index: number): Promise<FramePixels>;
  /** Every frame's geometry (a volume model needs it; absent, such a model is refused). */
  geometry?: { description: string; samples: 1 | 3; frames: FrameGeometry[] };
}
