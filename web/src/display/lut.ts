// Modality values → display grey levels, the desktop's maths (viewer/imaging/lut.py
// apply_window with the VOI LUT Function LINEAR, LINEAR_EXACT or SIGMOID, and
// apply_voi_lut; float32 step by step) so the page and the desktop show the same grey for
// the same value and window. The desktop folds the chain into one table per window; here
// the frames arrive as float32 modality values, so a table is built per window over the
// integer values a frame holds (CT, MR, most of what is read) and other values go through
// the same formula one by one.

export interface Window {
  center: number;
  width: number;
}

/** The narrowest window DICOM allows (PS3.3 C.11.2.1.2: Window Width >= 1). */
export const MIN_WIDTH = 1;

/** Integer-valued frames whose range is at most this get one table per window. */
export const MAX_TABLE = 1 << 17;

const f = Math.fround;

/** VOI LUT Function (PS3.3 C.11.2.1.2): how a window maps values to grey. */
export type VoiFunction = "LINEAR" | "LINEAR_EXACT" | "SIGMOID";

/** A VOI LUT as the service sends it (VOI LUT Sequence item): value ``first`` maps to
 * ``data[0]``, values outside take the end entries; entries run 0 .. 2^bits − 1. */
export interface VoiLut {
  first: number;
  bits: number;
  data: number[];
}

/** _to_uint8: clamp to 0..255, round half up. */
function toGrey(y: number): number {
  if (!(y > 0)) y = 0; // NaN: numpy's clip keeps NaN, and NaN → uint8 is 0 on x86
  if (y > 255) y = 255;
  return Math.trunc(f(y + 0.5));
}

/** One modality value → grey 0..255, exactly as apply_window rounds it. */
export function greyOf(value: number, window: Window, fn: VoiFunction = "LINEAR"): number {
  const c = f(window.center);
  const w = f(window.width);
  const x = f(value);
  if (fn === "SIGMOID") {
    // y = 255 / (1 + exp(-4 (x - c) / w))
    return toGrey(f(255 / f(1 + f(Math.exp(f(f(-4 * f(x - c)) / w))))));
  }
  if (fn === "LINEAR_EXACT") {
    // y = ((x - c) / w + 0.5) * 255
    return toGrey(f(f(f(f(x - c) / w) + 0.5) * 255));
  }
  if (w <= 1) return x > f(c - 0.5) ? 255 : 0;
  // y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255, in float32 like numpy's
  return toGrey(f(f(f(f(x - f(c - 0.5)) / f(w - 1)) + 0.5) * 255));
}

/** numpy's rint: the nearest integer, halves to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** One modality value → grey through a VOI LUT, exactly as apply_voi_lut (Lut.lookup
 * then the entry scaled from ``bits`` to 8 bits). */
export function lutGreyOf(value: number, lut: VoiLut): number {
  let index = f(rint(f(value)) - lut.first);
  if (!(index > 0)) index = 0;
  if (index > lut.data.length - 1) index = lut.data.length - 1;
  const scale = f(255 / f(2 ** lut.bits - 1));
  return toGrey(f(f(lut.data[Math.trunc(index)]) * scale));
}

/** The linear window spanning a VOI LUT's input range (voi_lut_window): what the
 * desktop opens a frame without a window but with a VOI LUT at. */
export function voiLutWindow(lut: VoiLut): Window {
  const entries = lut.data.length;
  return { center: lut.first + entries / 2, width: Math.max(entries, MIN_WIDTH) };
}

/** The VOI LUT to show a frame through (display_voi_lut): the frame's LUT when the frame
 * has no window of its own and ``window`` is still the LUT's own; else null (a window the
 * reader chose goes through the VOI function). */
export function displayVoiLut(frameWindow: Window | null, lut: VoiLut | null, window: Window): VoiLut | null {
  if (frameWindow || !lut) return null;
  const own = voiLutWindow(lut);
  return own.center === window.center && own.width === window.width ? lut : null;
}

/** The window after a mouse drag of (dx, dy) screen pixels (Window.with_drag): right
 * widens, down raises the level. */
export function dragWindow(window: Window, dx: number, dy: number, sensitivity = 1): Window {
  return {
    center: window.center + dy * sensitivity,
    width: Math.max(MIN_WIDTH, window.width + dx * sensitivity),
  };
}

/** The window spanning a frame's own range (default_window's last resort). */
export function rangeWindow(values: ArrayLike<number>): Window {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { center: 128, width: 256 };
  return { center: (lo + hi + 1) / 2, width: Math.max(hi - lo + 1, MIN_WIDTH) };
}

/** What a frame's values are like: integer-valued within a table's reach or not. */
export interface ValueRange {
  min: number;
  max: number;
  integers: boolean;
}

export function valueRange(values: Float32Array): ValueRange {
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (integers && !Number.isInteger(v)) integers = false;
  }
  if (!Number.isFinite(min)) return { min: 0, max: 0, integers: false };
  return { min, max, integers: integers && max - min < MAX_TABLE };
}

/** The grey table of one window over the integers min..max (index: value - min). */
export function windowTable(range: ValueRange, window: Window, fn: VoiFunction = "LINEAR"): Uint8Array {
  return tableOf(range, (v) => greyOf(v, window, fn));
}

function tableOf(range: ValueRange, grey: (value: number) => number): Uint8Array {
  const table = new Uint8Array(range.max - range.min + 1);
  for (let i = 0; i < table.length; i++) table[i] = grey(range.min + i);
  return table;
}

function applyGrey(values: Float32Array, grey: (value: number) => number, range?: ValueRange): Uint8Array {
  const r = range ?? valueRange(values);
  const out = new Uint8Array(values.length);
  if (r.integers) {
    const table = tableOf(r, grey);
    for (let i = 0; i < values.length; i++) out[i] = table[values[i] - r.min];
  } else {
    for (let i = 0; i < values.length; i++) out[i] = grey(values[i]);
  }
  return out;
}

/** Grey levels of a whole frame through ``window`` and the VOI function (one table per
 * window where the values allow it, else the formula per pixel: the same numbers either
 * way). */
export function applyWindow(values: Float32Array, window: Window, range?: ValueRange,
                            fn: VoiFunction = "LINEAR"): Uint8Array {
  return applyGrey(values, (v) => greyOf(v, window, fn), range);
}

/** Grey levels of a whole frame through a VOI LUT (apply_voi_lut). */
export function applyVoiLut(values: Float32Array, lut: VoiLut, range?: ValueRange): Uint8Array {
  return applyGrey(values, (v) => lutGreyOf(v, lut), range);
}
