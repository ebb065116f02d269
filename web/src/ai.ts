// The AI results on the open series and how the page marks them, as the desktop does
// (viewer/ui/viewport/ai_layer.py, viewer/state/ai_results.py): every result carries
// "AI · NAME VERSION" and where it was computed; a demonstration model's results carry
// the demonstration banner; every score and value on screen names its model.
import { Api } from "./api";
import type { ScreenBox } from "./display/canvas";
import {
  frameLayer, HEATMAP_OPACITY, labelColors, MASK_OPACITY, parseColor, stackRgba, type LabelSpec,
  type OutputLabels, type RGB,
} from "./display/overlay";
import { t } from "./i18n";
import type { BoxResult, ComputedWhere, FrameResult, RunResult } from "./types";

/** "AI · NAME VERSION" (exactly what #ai-label shows for a run). */
export function aiTitle(run: RunResult): string {
  return `AI · ${run.model.name} ${run.model.version}`;
}

/** "in this browser (WebAssembly)" | "on the service (CPU)". */
export function whereText(where: ComputedWhere): string {
  return where.place === "browser" ? t("in this browser ({})", where.backend)
    : t("on the service ({})", where.backend);
}

export function percent(score: number): string {
  return `${Math.round(score * 100)}%`;
}

/** The manifest's labels per output (GET /v1/models/{id}/files/manifest.json), kept per
 * model; a manifest the page cannot read leaves the desktop's default palette. */
export class ModelLabels {
  private readonly known = new Map<string, Promise<OutputLabels>>();

  constructor(private readonly api: Api) {}

  of(modelId: string): Promise<OutputLabels> {
    let found = this.known.get(modelId);
    if (!found) {
      found = this.api.json<Record<string, unknown>>(
        `/v1/models/${encodeURIComponent(modelId)}/files/manifest.json`,
      ).then(outputLabels, () => new Map());
      this.known.set(modelId, found);
    }
    return found;
  }
}

export function outputLabels(manifest: Record<string, unknown>): OutputLabels {
  const map: OutputLabels = new Map();
  const outputs = Array.isArray(manifest.outputs) ? manifest.outputs as Record<string, unknown>[] : [];
  for (const o of outputs) {
    const labels = (Array.isArray(o.labels) ? o.labels : Array.isArray(o.classes) ? o.classes : []) as LabelSpec[];
    map.set(String(o.name), {
      labels,
      colormap: typeof o.colormap === "string" ? o.colormap : undefined,
      decimals: typeof o.decimals === "number" ? o.decimals : undefined,
    });
  }
  return map;
}

/** One model's run shown on the series, with its manifest's labels. */
export interface ShownRun {
  run: RunResult;
  labels: OutputLabels;
}

/** The result of ``run`` for one frame (matched by index and, where both say, SOP UID). */
export function frameOf(run: RunResult, index: number, sopUid: string): FrameResult | null {
  return run.frames.find((f) => f.frame_index === index
    && (!f.sop_instance_uid || !sopUid || f.sop_instance_uid === sopUid)) ?? null;
}

function shownBoxes(result: FrameResult): { box: BoxResult; output: string }[] {
  const found: { box: BoxResult; output: string }[] = [];
  for (const o of result.outputs) {
    if (o.kind !== "boxes") continue;
    // The candidates filtered at the model's threshold are the boxes NMS kept (ai_results).
    const all = o.candidates.length ? o.candidates : o.boxes;
    for (const box of all) if (box.score >= o.score_threshold) found.push({ box, output: o.name });
  }
  return found;
}

/** What one frame shows: the RGBA layer, the boxes with captions, the text lines. */
export function frameOverlay(runs: ShownRun[], index: number, sopUid: string, rows: number,
                             columns: number, opacity = MASK_OPACITY, heatOpacity = HEATMAP_OPACITY): {
  layer: Uint8ClampedArray | null; boxes: ScreenBox[]; lines: string[]; legend: { name: string; color: RGB }[];
} {
  const legend: { name: string; color: RGB }[] = [];
  const layers: Uint8ClampedArray[] = [];
  const boxes: ScreenBox[] = [];
  const lines: string[] = [];
  for (const { run, labels } of runs) {
    const result = frameOf(run, index, sopUid);
    if (!result) continue;
    const layer = frameLayer(result, rows, columns, labels, opacity, heatOpacity);
    if (layer) layers.push(layer);
    const title = aiTitle(run);
    if (result.outputs.some((o) => o.kind === "boxes")) {
      // "AI · name version · 2 findings (best 93%)", the desktop's banner line
      const found = shownBoxes(result);
      let line = title + (found.length === 1 ? t(" · 1 finding") : t(" · {} findings", found.length));
      if (found.length) line += t(" (best {})", percent(Math.max(...found.map((f) => f.box.score))));
      lines.push(line);
    }
    if (result.geometry.source[0] === rows && result.geometry.source[1] === columns) {
      for (const { box, output } of shownBoxes(result)) {
        const spec = labels.get(output)?.labels.find((l) => l.name === box.class);
        boxes.push({ x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1,
                     caption: `${title} · ${box.class} ${percent(box.score)}`,
                     color: parseColor(spec?.color, box.class_index) });
      }
    }
    for (const o of result.outputs) {
      const names = labels.get(o.name);
      if (o.kind === "mask" && o.label_map.data.length === rows * columns) {
        // The legend: the labels this frame has (the desktop's, under its banner).
        const present = new Set<number>(o.label_map.data);
        const colors = labelColors(names?.labels ?? []);
        for (const value of [...present].sort((a, b) => a - b)) {
          if (value === 0) continue;
          const spec = names?.labels.find((l, i) => (l.value ?? i) === value);
          const name = spec?.name ?? `label ${value}`;
          if (!legend.some((l) => l.name === name)) {
            legend.push({ name, color: colors.get(value) ?? parseColor(null, value - 1) });
          }
        }
      } else if (o.kind === "labels") {
        let best = -1;
        o.probabilities.forEach((p, i) => {
          if (p !== null && (best < 0 || p > (o.probabilities[best] ?? -Infinity))) best = i;
        });
        if (best >= 0) {
          const name = names?.labels[best]?.name ?? `class ${best}`;
          lines.push(`${title} · ${name} ${percent(o.probabilities[best] as number)}`);
        }
      } else if (o.kind === "values") {
        const decimals = names?.decimals ?? 1;
        const parts = o.values.map((v, i) => {
          const spec = names?.labels[i];
          const unit = spec?.unit ? ` ${spec.unit}` : "";
          return `${spec?.name ?? `value ${i + 1}`} ${v === null ? "—" : v.toFixed(decimals)}${unit}`;
        });
        if (parts.length) lines.push(`${title} · ${parts.join(" · ")}`);
      }
    }
    if (run.volume?.volumes.length) {
      // a volume model's whole-series volumes, "name 12.3 mL" as the desktop prints them
      const parts = run.volume.volumes.map((v) => {
        const spec = labels.get(v.output)?.labels.find((l, i) => (l.value ?? i) === v.value);
        return `${spec?.name ?? `label ${v.value}`} ${v.ml.toFixed(1)} mL`;
      });
      lines.push(`${title} · ${parts.join(" · ")}`);
    }
  }
  // Why the image is unlike a model's training data (the desktop's banner says it too).
  const unlike: string[] = [];
  for (const { run } of runs) {
    for (const finding of frameOf(run, index, sopUid)?.domain?.findings ?? []) {
      if (!unlike.includes(finding)) unlike.push(finding);
    }
  }
  if (unlike.length) lines.push(t("⚠ Unlike the model's training data: ") + unlike.join("; "));
  const layer = layers.length ? stackRgba(layers) : null;
  return { layer, boxes, lines, legend: layers.length ? legend : [] };
}
