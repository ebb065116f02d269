// AI overlays as RGBA layers on the source frame's grid, the desktop's colours and
// placement (viewer/imaging/ai_layers.py, viewer/inference/postprocess.py place_heatmap,
// viewer/state/ai_results.py overlay_rgba): heatmaps then masks, composited over a clear
// background. The image's own pixels are never touched: the layer is drawn over them.
import type { ArrayData, FrameResult, Letterbox } from "../types";

export type RGB = [number, number, number];

/** Colours for labels whose manifest gives none (ai_layers.PALETTE). */
export const PALETTE: RGB[] = [
  [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200], [245, 130, 48],
  [145, 30, 180], [70, 240, 240], [240, 50, 230], [210, 245, 60], [250, 190, 212],
];

export const COLORMAPS: Record<string, [number, RGB][]> = {
  inferno: [[0, [0, 0, 4]], [0.125, [31, 12, 72]], [0.25, [85, 15, 109]], [0.375, [136, 34, 106]],
    [0.5, [186, 54, 85]], [0.625, [227, 89, 51]], [0.75, [249, 140, 10]], [0.875, [249, 201, 50]],
    [1, [252, 255, 164]]],
  viridis: [[0, [68, 1, 84]], [0.125, [71, 44, 122]], [0.25, [59, 81, 139]], [0.375, [44, 113, 142]],
    [0.5, [33, 144, 141]], [0.625, [39, 173, 129]], [0.75, [92, 200, 99]], [0.875, [170, 220, 50]],
    [1, [253, 231, 37]]],
  jet: [[0, [0, 0, 128]], [0.125, [0, 0, 255]], [0.375, [0, 255, 255]], [0.625, [255, 255, 0]],
    [0.875, [255, 0, 0]], [1, [128, 0, 0]]],
  hot: [[0, [0, 0, 0]], [0.375, [255, 0, 0]], [0.75, [255, 255, 0]], [1, [255, 255, 255]]],
  gray: [[0, [0, 0, 0]], [1, [255, 255, 255]]],
};
export const DEFAULT_COLORMAP = "inferno";
/** The desktop's defaults (OverlayState): mask and heatmap opacity, the heatmap floor. */
export const MASK_OPACITY = 0.45;
export const HEATMAP_OPACITY = 0.45;
export const HEATMAP_FLOOR = 0.2;

/** "#RRGGBB" → RGB; missing or malformed → a palette colour. */
export function parseColor(value: string | null | undefined, fallbackIndex = 0): RGB {
  if (value && /^#[0-9a-fA-F]{6}$/.test(value)) {
    return [parseInt(value.slice(1, 3), 16), parseInt(value.slice(3, 5), 16), parseInt(value.slice(5, 7), 16)];
  }
  const n = PALETTE.length;
  return PALETTE[((fallbackIndex % n) + n) % n];
}

export interface LabelSpec {
  name: string;
  value?: number | null;
  color?: string | null;
  unit?: string | null;
}

/** Mask value → colour (label_colors): background (0) skipped. */
export function labelColors(labels: LabelSpec[]): Map<number, RGB> {
  const colors = new Map<number, RGB>();
  labels.forEach((label, i) => {
    const value = label.value == null ? i : Number(label.value);
    if (value !== 0) colors.set(value, parseColor(label.color, value - 1));
  });
  return colors;
}

function alphaOf(opacity: number): number {
  return Math.round(255 * Math.min(Math.max(opacity, 0), 1));
}

const tables = new Map<string, Uint8Array>();

/** numpy's rint: halves to the even neighbour. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A 256×3 table interpolated from the anchors (colormap_table). */
export function colormapTable(name: string): Uint8Array {
  const key = name.toLowerCase() in COLORMAPS ? name.toLowerCase() : DEFAULT_COLORMAP;
  const found = tables.get(key);
  if (found) return found;
  const anchors = COLORMAPS[key];
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = i === 255 ? 1 : i * (1 / 255); // np.linspace(0, 1, 256)
    let k = 0;
    while (k < anchors.length - 2 && x >= anchors[k + 1][0]) k++;
    const [x0, c0] = anchors[k];
    const [x1, c1] = anchors[k + 1];
    for (let c = 0; c < 3; c++) {
      const slope = (c1[c] - c0[c]) / (x1 - x0); // np.interp's own formula
      table[3 * i + c] = rint(slope * (x - x0) + c0[c]);
    }
  }
  tables.set(key, table);
  return table;
}

/** A label map → RGBA (mask_rgba, "fill"): label 0 is never drawn. */
export function maskRgba(mask: ArrayData, colors: Map<number, RGB>, opacity = MASK_OPACITY): Uint8ClampedArray {
  const values = mask.data;
  const rgba = new Uint8ClampedArray(values.length * 4);
  const alpha = alphaOf(opacity);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === 0) continue;
    const c = colors.get(v) ?? parseColor(null, v - 1);
    rgba[4 * i] = c[0];
    rgba[4 * i + 1] = c[1];
    rgba[4 * i + 2] = c[2];
    rgba[4 * i + 3] = alpha;
  }
  return rgba;
}

/** For each original row (column) centre: its continuous coordinate on the model grid. */
function sourceCoords(box: Letterbox, size: number, axis: 0 | 1): Float64Array {
  const n = box.source[axis];
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const model = (i + 0.5) * box.scale[axis] + box.offset[axis];
    out[i] = model * (size / box.target[axis]);
  }
  return out;
}

/** A model-grid heatmap at the image's size, scaled to 0..1 by ``valueRange``
 * (place_heatmap: bilinear between cell centres, the edges hold their value). */
export function placeHeatmap(grid: ArrayData, box: Letterbox, valueRange: [number, number]): Float32Array {
  const [gh, gw] = grid.shape.slice(-2);
  const plane = grid.data;
  const [rows, cols] = box.source;
  const weights = (g: Float64Array, size: number) => {
    const lo = new Int32Array(g.length);
    const hi = new Int32Array(g.length);
    const frac = new Float32Array(g.length);
    g.forEach((v, i) => {
      const x = Math.min(Math.max(v - 0.5, 0), size - 1);
      lo[i] = Math.floor(x);
      hi[i] = Math.min(lo[i] + 1, size - 1);
      frac[i] = x - lo[i];
    });
    return { lo, hi, frac };
  };
  const ry = weights(sourceCoords(box, gh, 0), gh);
  const cx = weights(sourceCoords(box, gw, 1), gw);
  const [lo, hi] = valueRange;
  const f = Math.fround;
  const across = new Float32Array(gh * cols);
  for (let r = 0; r < gh; r++) {
    for (let c = 0; c < cols; c++) {
      const a = plane[r * gw + cx.lo[c]];
      const b = plane[r * gw + cx.hi[c]];
      across[r * cols + c] = f(f(a * f(1 - cx.frac[c])) + f(b * cx.frac[c]));
    }
  }
  const heat = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const fy = ry.frac[r];
    for (let c = 0; c < cols; c++) {
      const v = f(f(across[ry.lo[r] * cols + c] * f(1 - fy)) + f(across[ry.hi[r] * cols + c] * fy));
      heat[r * cols + c] = Math.min(Math.max(f(f(v - lo) / f(hi - lo)), 0), 1);
    }
  }
  return heat;
}

/** Heat in 0..1 → RGBA through a colour map; below ``floor`` is clear (heatmap_rgba). */
export function heatmapRgba(heat: Float32Array, colormap = DEFAULT_COLORMAP,
                            opacity = HEATMAP_OPACITY, floor = HEATMAP_FLOOR): Uint8ClampedArray {
  const table = colormapTable(colormap);
  const rgba = new Uint8ClampedArray(heat.length * 4);
  const alpha = alphaOf(opacity);
  for (let i = 0; i < heat.length; i++) {
    const h = Number.isNaN(heat[i]) ? 0 : heat[i];
    const k = Math.min(Math.max(Math.round(h * 255), 0), 255);
    rgba[4 * i] = table[3 * k];
    rgba[4 * i + 1] = table[3 * k + 1];
    rgba[4 * i + 2] = table[3 * k + 2];
    rgba[4 * i + 3] = floor > 0 && h < floor ? 0 : alpha;
  }
  return rgba;
}

/** Layers composited over a clear background (stack_rgba). */
export function stackRgba(layers: Uint8ClampedArray[]): Uint8ClampedArray {
  if (layers.length === 1) return layers[0];
  const out = new Uint8ClampedArray(layers[0].length);
  for (let i = 0; i < out.length; i += 4) {
    let r = 0, g = 0, b = 0, alpha = 0;
    for (const layer of layers) {
      const a = layer[i + 3] / 255;
      if (a === 0) continue;
      const na = a + alpha * (1 - a);
      r = (layer[i] * a + r * alpha * (1 - a)) / na;
      g = (layer[i + 1] * a + g * alpha * (1 - a)) / na;
      b = (layer[i + 2] * a + b * alpha * (1 - a)) / na;
      alpha = na;
    }
    out[i] = Math.round(r); out[i + 1] = Math.round(g); out[i + 2] = Math.round(b);
    out[i + 3] = Math.round(alpha * 255);
  }
  return out;
}

/** The labels of each output of a model (from its manifest), by output name. */
export type OutputLabels = Map<string, { labels: LabelSpec[]; colormap?: string; decimals?: number }>;

/** One frame's heatmaps then masks as one RGBA layer of rows × columns; null when there
 * is nothing to draw. A result of another size is skipped, never stretched. */
export function frameLayer(result: FrameResult, rows: number, columns: number,
                           labels: OutputLabels, opacity = MASK_OPACITY,
                           heatOpacity = HEATMAP_OPACITY): Uint8ClampedArray | null {
  if (result.geometry.source[0] !== rows || result.geometry.source[1] !== columns) return null;
  const layers: Uint8ClampedArray[] = [];
  for (const o of result.outputs) {
    if (o.kind !== "heatmap") continue;
    let heat: Float32Array | null = null;
    if (o.given && o.given.data.length === rows * columns) heat = Float32Array.from(o.given.data);
    else if (o.grid && o.box) heat = placeHeatmap(o.grid, o.box, o.value_range);
    if (heat) layers.push(heatmapRgba(heat, labels.get(o.name)?.colormap ?? DEFAULT_COLORMAP, heatOpacity));
  }
  for (const o of result.outputs) {
    if (o.kind !== "mask" || o.label_map.data.length !== rows * columns) continue;
    layers.push(maskRgba(o.label_map, labelColors(labels.get(o.name)?.labels ?? []), opacity));
  }
  return layers.length ? stackRgba(layers) : null;
}
