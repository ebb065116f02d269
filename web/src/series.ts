// One open series: its description from the service and a cache of its frames. The first
// frame the reader looks at is fetched at once; the rest follow in the background, a few
// at a time, nearest the frame on screen first, so scrolling finds them ready.
import { Api, Problem } from "./api";
import type { FramePixels, FrameSource } from "./types";
import type { VoiFunction, VoiLut } from "./display/lut";

export interface Preset {
  name: string;
  center: number;
  width: number;
  key?: number | null;
}

export interface FrameInfo {
  index: number;
  sop_instance_uid: string;
  rows: number;
  columns: number;
  position: [number, number, number] | null;
  orientation: number[] | null;
  pixel_spacing: [number, number] | null;
  window: { center: number; width: number } | null;
  /** VOI LUT Function (absent from an older service: LINEAR). */
  voi_function?: VoiFunction;
  /** Index of the frame's VOI LUT in the series' ``voi_luts``. */
  voi_lut?: number | null;
}

export interface SeriesInfo {
  series_uid: string;
  study_uid: string;
  modality: string;
  body_part: string;
  description: string;
  photometric: string;
  samples: 1 | 3;
  presets: Preset[];
  frames: FrameInfo[];
  voi_luts?: VoiLut[];
}

/** Frames fetched at once in the background. */
export const CONCURRENCY = 4;
/** Pixels kept per series: a long thin-slice CT (1000 × 512² float32 = 1 GB) keeps the
 * frames nearest the reader; those farthest away are dropped (and fetched again if the
 * reader goes back there). */
export const CACHE_BYTES = 512 * 1024 * 1024;

/** ``idle``: nothing more is being fetched (all loaded, or the memory budget reached). */
export type Progress = (loaded: number, total: number, failed: number, idle: boolean) => void;

export class SeriesFrames implements FrameSource {
  readonly series_uid: string;
  readonly modality: string;
  readonly body_part: string;
  readonly frame_count: number;
  readonly geometry: NonNullable<FrameSource["geometry"]>;
  private readonly cache = new Map<number, FramePixels>();
  private readonly pending = new Map<number, Promise<FramePixels>>();
  private readonly failed = new Map<number, Problem | Error>();
  private focus = 0;
  private bytes = 0;
  private running = 0;
  private closed = false;

  constructor(private readonly api: Api, readonly info: SeriesInfo, private readonly progress: Progress) {
    this.series_uid = info.series_uid;
    this.modality = info.modality;
    this.body_part = info.body_part;
    this.frame_count = info.frames.length;
    this.geometry = { description: info.description, samples: info.samples, frames: info.frames };
  }

  get loaded(): number {
    return this.cache.size;
  }

  cached(index: number): FramePixels | undefined {
    return this.cache.get(index);
  }

  /** The frame (from the cache, or fetched now, ahead of the background queue). */
  frame(index: number): Promise<FramePixels> {
    const found = this.cache.get(index);
    if (found) return Promise.resolve(found);
    const waiting = this.pending.get(index);
    if (waiting) return waiting;
    if (!(index >= 0 && index < this.frame_count)) {
      return Promise.reject(new Error(`frame ${index} is not in this series of ${this.frame_count}`));
    }
    const fetched = this.fetch(index);
    this.pending.set(index, fetched);
    return fetched;
  }

  private async fetch(index: number): Promise<FramePixels> {
    const meta = this.info.frames[index];
    try {
      const raw = await this.api.frame(this.series_uid, meta?.index ?? index);
      const pixels: FramePixels = {
        index, rows: raw.rows, columns: raw.columns, samples: raw.samples, values: raw.values,
        pixel_spacing: meta?.pixel_spacing ?? null, sop_instance_uid: meta?.sop_instance_uid ?? "",
      };
      if (!this.cache.has(index)) this.bytes += pixels.values.byteLength;
      this.cache.set(index, pixels);
      this.failed.delete(index);
      return pixels;
    } catch (error) {
      this.failed.set(index, error as Error);
      throw error;
    } finally {
      this.pending.delete(index);
      this.report();
    }
  }

  private report(): void {
    if (!this.closed) {
      this.progress(this.cache.size, this.frame_count, this.failed.size,
                    this.idle());
    }
  }

  /** Fetch the rest in the background, nearest ``index`` first. */
  prefetch(index: number): void {
    this.focus = index;
    this.pump();
  }

  /** The missing frame nearest the focus, and its distance (null: none is missing). */
  private wanted(): [number, number] | null {
    for (let d = 0; d < this.frame_count; d++) {
      for (const i of [this.focus + d, this.focus - d]) {
        if (i >= 0 && i < this.frame_count && !this.cache.has(i) && !this.pending.has(i)
            && !this.failed.has(i)) return [i, d];
      }
    }
    return null;
  }

  /** The next frame to fetch, room made for it; null when none is missing or the frames
   * kept are all nearer than it. */
  private next(): number | null {
    const found = this.wanted();
    return found && this.room(found[1]) ? found[0] : null;
  }

  /** Nothing more would be fetched now. */
  private idle(): boolean {
    if (this.pending.size) return false;
    const found = this.wanted();
    if (!found || this.bytes < CACHE_BYTES) return found === null;
    for (const i of this.cache.keys()) if (Math.abs(i - this.focus) > found[1]) return false;
    return true;
  }

  /** Room for one more frame at distance ``distance`` from the focus: frames farther
   * away are dropped while the cache is over its budget; false when none is. */
  private room(distance: number): boolean {
    while (this.bytes >= CACHE_BYTES) {
      let farthest = -1;
      for (const i of this.cache.keys()) {
        if (farthest < 0 || Math.abs(i - this.focus) > Math.abs(farthest - this.focus)) farthest = i;
      }
      if (farthest < 0 || Math.abs(farthest - this.focus) <= distance) return false;
      this.bytes -= this.cache.get(farthest)?.values.byteLength ?? 0;
      this.cache.delete(farthest);
    }
    return true;
  }

  private pump(): void {
    while (!this.closed && this.running < CONCURRENCY) {
      const i = this.next();
      if (i === null) return;
      this.running++;
      this.frame(i).catch(() => undefined).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  /** Stop the background fetches (another series was opened). */
  close(): void {
    this.closed = true;
  }
}
