// The page's HTTP client for `lightbox serve` (docs/service.md, the web contract): the API
// key in sessionStorage (asked for on a 401), every failure as a Problem whose `detail`
// the message line shows, network failures included.

import { t } from "./i18n";

/** A failed request: the service's Problem JSON, or one made here for a network failure. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly detail: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = "Problem";
  }

  /** Intended-use warnings of a 409 (a run the reader may accept). */
  get warnings(): string[] {
    const w = this.body.warnings;
    return Array.isArray(w) ? w.map(String) : [];
  }
}

const KEY_STORAGE = "lightbox.api_key";
/** What a key may hold: visible ASCII (an HTTP header takes no other; a key kept with a
 * pasted ’ or a non-breaking space made every request fail in the browser, no 401 came
 * back and the page never asked again while the tab lived). */
const KEY_CHARACTERS = /^[\x21-\x7e]+$/;

/** Asks the reader for a key; resolves null when they decline. */
export type KeyPrompt = (why: string) => Promise<string | null>;

export interface FrameBytes {
  rows: number;
  columns: number;
  samples: 1 | 3;
  values: Float32Array | Uint8Array;
}

export class Api {
  private asking: Promise<string | null> | null = null; // one prompt for requests at once

  constructor(private readonly base = "", private askKey: KeyPrompt | null = null) {}

  setKeyPrompt(prompt: KeyPrompt): void {
    this.askKey = prompt;
  }

  private key(): string | null {
    try {
      const key = sessionStorage.getItem(KEY_STORAGE);
      return key && KEY_CHARACTERS.test(key) ? key : null;
    } catch {
      return null;
    }
  }

  private async request(path: string, init: RequestInit = {}, retried = false): Promise<Response> {
    const headers = new Headers(init.headers);
    const key = this.key();
    if (key) headers.set("Authorization", `Bearer ${key}`);
    let response: Response;
    try {
      response = await fetch(this.base + path, { ...init, headers });
    } catch (error) {
      throw new Problem(0, "network", `The service cannot be reached (${String((error as Error).message ?? error)}).`);
    }
    if (response.ok) return response;
    const problem = await problemOf(response);
    if (response.status === 401 && !retried && this.askKey) {
      if (!this.asking) {
        this.asking = this.promptKey(this.askKey, problem.detail).finally(() => { this.asking = null; });
      }
      const entered = await this.asking;
      if (entered) {
        try {
          sessionStorage.setItem(KEY_STORAGE, entered);
        } catch {
          /* private mode: the key lives for this request only */
        }
        return this.request(path, init, true);
      }
    }
    throw problem;
  }

  /** The reader's key, asked again (saying why) while it holds a character no key has. */
  private async promptKey(ask: KeyPrompt, why: string): Promise<string | null> {
    let reason = why;
    for (;;) {
      const entered = await ask(reason);
      if (!entered || KEY_CHARACTERS.test(entered)) return entered;
      const odd = [...new Set([...entered].filter((c) => !KEY_CHARACTERS.test(c)))];
      reason = t("the key has characters no key has ({}): type or paste it again",
        odd.map((c) => (c.trim() ? c : `U+${c.codePointAt(0)?.toString(16).toUpperCase().padStart(4, "0")}`)).join(" "));
    }
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.request(path, init);
    try {
      return (await response.json()) as T;
    } catch {
      throw new Problem(response.status, "bad_answer", `The service's answer to ${path} is not JSON.`);
    }
  }

  async bytes(path: string): Promise<ArrayBuffer> {
    return (await this.request(path)).arrayBuffer();
  }

  /** One frame's pixels (GET /v1/series/{uid}/frames/{i}): float32 modality values or RGB. */
  async frame(seriesUid: string, index: number): Promise<FrameBytes> {
    const path = `/v1/series/${encodeURIComponent(seriesUid)}/frames/${index}`;
    const response = await this.request(path);
    const rows = Number(response.headers.get("X-Lightbox-Rows"));
    const columns = Number(response.headers.get("X-Lightbox-Columns"));
    const samples = Number(response.headers.get("X-Lightbox-Samples") ?? "1");
    const dtype = response.headers.get("X-Lightbox-Dtype") ?? "float32";
    const buffer = await response.arrayBuffer();
    const count = rows * columns * samples;
    const size = dtype === "uint8" ? 1 : 4;
    if (!(rows > 0 && columns > 0) || (samples !== 1 && samples !== 3) || buffer.byteLength !== count * size
        || (dtype !== "uint8" && dtype !== "float32")) {
      throw new Problem(response.status, "bad_answer",
        `Frame ${index + 1} came back as ${buffer.byteLength} bytes for ${rows} × ${columns} × ${samples} ${dtype}; it is not shown.`);
    }
    let values: Float32Array | Uint8Array;
    if (dtype === "uint8") {
      values = new Uint8Array(buffer);
    } else {
      values = new Float32Array(count);
      const view = new DataView(buffer);
      for (let i = 0; i < count; i++) values[i] = view.getFloat32(4 * i, true);
    }
    return { rows, columns, samples: samples as 1 | 3, values };
  }
}

async function problemOf(response: Response): Promise<Problem> {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = await response.json();
    if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
  } catch {
    /* not JSON: the status says what happened */
  }
  const detail = String(body.detail ?? body.message ?? body.error ?? `${response.status} ${response.statusText}`);
  return new Problem(response.status, String(body.reason ?? "http_" + response.status), detail, body);
}

/** The text the message line shows for any failure. */
export function messageOf(error: unknown): string {
  if (error instanceof Problem) return error.detail;
  if (error instanceof Error) return error.message;
  return String(error);
}
