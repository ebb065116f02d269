// Modality values → display grey levels, the desktop's maths (viewer/imaging/lut.py
// apply_window, LINEAR, float32 step by step) so the page and the desktop show the same
// grey for the same value and window. The desktop folds the chain into one table per
// window; here the frames arrive as float32 modality values, so a table is built per
// window over the integer values a frame holds (CT, MR, most of what is read) and other
// values go through the same formula one by one.

export interface Window {
  center: number;
  width: number;
}

/** The narrowest window DICOM allows (PS3.3 C.11.2.1.2: Window Width >= 1). */
export const MIN_WIDTH = 1;

/** Integer-valued frames whose range is at most this get one table per window. */
export const MAX_TABLE = 1 << 17;

const f = Math.fround;

/** One modality value → grey 0..255, exactly as apply_window (LINEAR) rounds it. */
export function greyOf(value: number, window: Window): number {
  const c = f(window.center);
  const w = f(window.width);
  const x = f(value);
  let y: number;
  if (w <= 1) {
    y = x > f(c - 0.5) ? 255 : 0;
  } else {
    // y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255, in float32 like numpy's
    y = f(f(f(f(x - f(c - 0.5)) / f(w - 1)) + 0.5) * 255);
  }
  if (!(y > 0)) y = 0; // NaN: numpy's clip keeps NaN, and NaN → uint8 is 0 on x86
  if (y > 255) y = 255;
  return Math.trunc(f(y + 0.5));
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
export function windowTable(range: ValueRange, window: Window): Uint8Array {
  const table = new Uint8Array(range.max - range.min + 1);
  for (let i = 0; i < table.length; i++) table[i] = greyOf(range.min + i, window);
  return table;
}

/** Grey levels of a whole frame through ``window`` (one table per window where the
 * values allow it, else the formula per pixel: the same numbers either way). */
export function applyWindow(values: Float32Array, window: Window, range?: ValueRange): Uint8Array {
  const r = range ?? valueRange(values);
  const out = new Uint8Array(values.length);
  if (r.integers) {
    const table = windowTable(r, window);
    for (let i = 0; i < values.length; i++) out[i] = table[values[i] - r.min];
  } else {
    for (let i = 0; i < values.length; i++) out[i] = greyOf(values[i], window);
  }
  return out;
}
