// The image on canvas#image: the frame rendered once per window at its own size, then
// drawn fitted to the canvas with the reader's zoom and pan (non-square pixels shown
// square, as the desktop does); the AI layer drawn with the same transform on the same
// grid, boxes and text in screen space so they stay sharp; orientation letters at the
// edges and the info corner (frame n/N, W/L, zoom).
import type { FramePixels } from "../types";
import {
  applyVoiLut, applyWindow, displayVoiLut, valueRange, type ValueRange, type VoiFunction, type VoiLut,
  type Window,
} from "./lut";
import { orientationLabels } from "./orientation";
import type { RGB } from "./overlay";
import { t } from "../i18n";

export interface ScreenBox {
  x0: number; y0: number; x1: number; y1: number; // image pixels
  caption: string;
  color: RGB;
}

export const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 40;

const ranges = new WeakMap<Float32Array, ValueRange>();

function rangeOf(values: Float32Array): ValueRange {
  let r = ranges.get(values);
  if (!r) {
    r = valueRange(values);
    ranges.set(values, r);
  }
  return r;
}

/** A frame's own display transform from the series JSON (the desktop's PixelTransform):
 * its VOI LUT Function, its window (null: none in the file) and its first VOI LUT. */
export interface FrameVoi {
  fn: VoiFunction;
  window: Window | null;
  lut: VoiLut | null;
}

export const PLAIN_VOI: FrameVoi = { fn: "LINEAR", window: null, lut: null };

/** Grey or RGB frame pixels → RGBA at the frame's size (RGB as is). ``invert``: grey
 * from dark to light reversed — MONOCHROME1 is shown so it looks like MONOCHROME2, as
 * the desktop's render_frame does. ``voi``: as render_frame, the frame's VOI LUT while
 * the window is still the LUT's own and the file gives no window, else ``window``
 * through the frame's VOI function. */
export function frameRgba(pixels: FramePixels, window: Window, invert = false,
                          voi: FrameVoi = PLAIN_VOI): Uint8ClampedArray {
  const n = pixels.rows * pixels.columns;
  const rgba = new Uint8ClampedArray(n * 4);
  if (pixels.samples === 3) {
    const v = pixels.values;
    for (let i = 0; i < n; i++) {
      rgba[4 * i] = v[3 * i]; rgba[4 * i + 1] = v[3 * i + 1]; rgba[4 * i + 2] = v[3 * i + 2];
      rgba[4 * i + 3] = 255;
    }
    return rgba;
  }
  const values = pixels.values as Float32Array;
  const lut = displayVoiLut(voi.window, voi.lut, window);
  const grey = lut ? applyVoiLut(values, lut, rangeOf(values))
    : applyWindow(values, window, rangeOf(values), voi.fn);
  for (let i = 0; i < n; i++) {
    const g = invert ? 255 - grey[i] : grey[i];
    rgba[4 * i] = g; rgba[4 * i + 1] = g; rgba[4 * i + 2] = g; rgba[4 * i + 3] = 255;
  }
  return rgba;
}

function surface(width: number, height: number, rgba: Uint8ClampedArray): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  if (ctx) ctx.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  return canvas;
}

export class Viewport {
  pixels: FramePixels | null = null;
  orientation: number[] | null = null;
  window: Window = { center: 128, width: 256 };
  /** MONOCHROME1: low values bright (shown inverted, as the desktop does). */
  invert = false;
  /** The frame's VOI function and VOI LUT (set with the frame, before show()). */
  voi: FrameVoi = PLAIN_VOI;
  zoom = 1;
  pan: [number, number] = [0, 0];
  frameCount = 0;
  private image: HTMLCanvasElement | null = null;
  private layer: HTMLCanvasElement | null = null;
  private boxes: ScreenBox[] = [];

  constructor(readonly canvas: HTMLCanvasElement) {}

  /** Show a frame (the AI layer is set separately, after it). */
  show(pixels: FramePixels, orientation: number[] | null, frameCount: number): void {
    this.pixels = pixels;
    this.orientation = orientation;
    this.frameCount = frameCount;
    this.render();
  }

  /** Show nothing (a frame that could not be read: never the previous one in its place). */
  clear(): void {
    this.pixels = null;
    this.image = null;
    this.layer = null;
    this.boxes = [];
    this.draw();
  }

  setWindow(window: Window): void {
    this.window = window;
    this.render();
  }

  /** The AI layer (RGBA at the frame's size, or null) and the boxes over it. */
  setOverlay(rgba: Uint8ClampedArray | null, boxes: ScreenBox[]): void {
    const p = this.pixels;
    this.layer = p && rgba ? surface(p.columns, p.rows, rgba) : null;
    this.boxes = boxes;
    this.draw();
  }

  private render(): void {
    const p = this.pixels;
    this.image = p ? surface(p.columns, p.rows, frameRgba(p, this.window, this.invert, this.voi)) : null;
    this.draw();
  }

  reset(): void {
    this.zoom = 1;
    this.pan = [0, 0];
    this.draw();
  }

  zoomBy(factor: number): void {
    this.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.zoom * factor));
    this.draw();
  }

  panBy(dx: number, dy: number): void {
    this.pan = [this.pan[0] + dx, this.pan[1] + dy];
    this.draw();
  }

  /** Image pixel → canvas pixel: scale (x, y) and the origin. */
  transform(): { sx: number; sy: number; ox: number; oy: number } {
    const p = this.pixels;
    const w = this.canvas.width;
    const h = this.canvas.height;
    if (!p) return { sx: 1, sy: 1, ox: 0, oy: 0 };
    const spacing = p.pixel_spacing;
    const aspect = spacing && spacing[0] > 0 && spacing[1] > 0 ? spacing[0] / spacing[1] : 1;
    const fit = Math.min(w / p.columns, h / (p.rows * aspect));
    const sx = fit * this.zoom;
    const sy = fit * this.zoom * aspect;
    const dpr = this.dpr();
    return { sx, sy, ox: (w - p.columns * sx) / 2 + this.pan[0] * dpr,
             oy: (h - p.rows * sy) / 2 + this.pan[1] * dpr };
  }

  private dpr(): number {
    return typeof devicePixelRatio === "number" && devicePixelRatio > 0 ? devicePixelRatio : 1;
  }

  /** Match the canvas's backing store to its size on screen. */
  fitCanvas(): void {
    const dpr = this.dpr();
    const w = Math.max(1, Math.round(this.canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(this.canvas.clientHeight * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    this.draw();
  }

  draw(): void {
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const { width, height } = this.canvas;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, width, height);
    const p = this.pixels;
    if (!p || !this.image) return;
    const m = this.transform();
    ctx.imageSmoothingEnabled = m.sx < 1; // enlarged: the pixels as squares, as the desktop
    ctx.setTransform(m.sx, 0, 0, m.sy, m.ox, m.oy);
    ctx.drawImage(this.image, 0, 0);
    if (this.layer) {
      ctx.imageSmoothingEnabled = false; // labels stay labels: no blending across edges
      ctx.drawImage(this.layer, 0, 0);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    const dpr = this.dpr();
    for (const b of this.boxes) this.drawBox(ctx, b, m, dpr);
    this.drawLetters(ctx, dpr);
    this.drawInfo(ctx, dpr);
  }

  private drawBox(ctx: CanvasRenderingContext2D, b: ScreenBox,
                  m: { sx: number; sy: number; ox: number; oy: number }, dpr: number): void {
    const x = b.x0 * m.sx + m.ox;
    const y = b.y0 * m.sy + m.oy;
    const w = (b.x1 - b.x0) * m.sx;
    const h = (b.y1 - b.y0) * m.sy;
    ctx.lineWidth = 4 * dpr;
    ctx.strokeStyle = "rgba(0,0,0,0.8)";
    ctx.strokeRect(x, y, w, h);
    ctx.lineWidth = 2 * dpr;
    ctx.strokeStyle = `rgb(${b.color.join(",")})`;
    ctx.strokeRect(x, y, w, h);
    ctx.font = `${11 * dpr}px sans-serif`;
    const tw = ctx.measureText(b.caption).width + 10 * dpr;
    const th = 16 * dpr;
    let top = y - th - 2 * dpr;
    if (top < 0) top = y + h + 2 * dpr;
    const left = Math.min(Math.max(x, 0), this.canvas.width - tw);
    ctx.fillStyle = "rgba(0,0,0,0.67)";
    ctx.fillRect(left, top, tw, th);
    ctx.fillStyle = `rgb(${b.color.join(",")})`;
    ctx.fillRect(left, top, 3 * dpr, th);
    ctx.fillStyle = "#fff";
    ctx.textBaseline = "middle";
    ctx.fillText(b.caption, left + 6 * dpr, top + th / 2);
  }

  private text(ctx: CanvasRenderingContext2D, s: string, x: number, y: number,
               align: CanvasTextAlign, baseline: CanvasTextBaseline): void {
    ctx.textAlign = align;
    ctx.textBaseline = baseline;
    ctx.fillStyle = "rgba(0,0,0,0.85)";
    ctx.fillText(s, x + 1, y + 1);
    ctx.fillStyle = "#f2f2f2";
    ctx.fillText(s, x, y);
  }

  /** The edge letters (the desktop's rule), or nothing when the orientation is unknown. */
  letters(): ReturnType<typeof orientationLabels> {
    return orientationLabels(this.orientation);
  }

  private drawLetters(ctx: CanvasRenderingContext2D, dpr: number): void {
    const labels = this.letters();
    if (!labels) return;
    const { width, height } = this.canvas;
    const m = 8 * dpr;
    ctx.font = `bold ${15 * dpr}px sans-serif`;
    this.text(ctx, labels.top, width / 2, m, "center", "top");
    this.text(ctx, labels.bottom, width / 2, height - m, "center", "bottom");
    this.text(ctx, labels.left, m, height / 2, "left", "middle");
    this.text(ctx, labels.right, width - m, height / 2, "right", "middle");
  }

  /** The info corner's lines (also what the page's state reports). */
  info(): string[] {
    const p = this.pixels;
    if (!p) return [];
    const lines = [t("Frame {} / {}", p.index + 1, this.frameCount)];
    if (p.samples === 1) {
      lines.push(t("W: {} L: {}", Math.round(this.window.width), Math.round(this.window.center)));
    }
    lines.push(t("Zoom: {}%", Math.round((this.transform().sx / this.dpr()) * 100)));
    return lines;
  }

  private drawInfo(ctx: CanvasRenderingContext2D, dpr: number): void {
    ctx.font = `${12 * dpr}px sans-serif`;
    const lines = this.info();
    const lh = 16 * dpr;
    lines.forEach((line, i) => {
      this.text(ctx, line, 8 * dpr, this.canvas.height - 8 * dpr - (lines.length - 1 - i) * lh, "left", "bottom");
    });
  }
}
