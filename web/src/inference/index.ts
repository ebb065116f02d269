// In-browser inference: the API the page calls (webinfer builds it; this file names it).
import type { FrameSource, ModelIdentity, RunResult } from "../types";

export type Backend = "webgpu" | "wasm";

/** The model checked in this browser: file digests against its manifest, then its golden
 * vectors replayed on `backend` and compared by the manifest's tolerance rule. */
export interface Verification {
  model: ModelIdentity;
  ok: boolean;
  backend: Backend;
  reason: string | null; // why it was refused (null when ok)
  files_checked: string[];
  golden_worst: number | null; // the worst |a-b| / allowed ratio over the golden vectors
}

export interface RunOptions {
  frames: number[]; // frame indices to run on (a 2-D model: each; neighbours read as needed)
  backend?: Backend; // default: WebGPU when the browser offers it, else WebAssembly
  accept_warnings?: boolean; // intended-use warnings, the same semantics as the desktop
}

export interface BrowserInference {
  /** Backends this browser offers, best first, with why another is missing. */
  backends(): Promise<{ available: Backend[]; notes: string[] }>;
  verify(modelId: string, backend?: Backend): Promise<Verification>;
  run(modelId: string, source: FrameSource, options: RunOptions): Promise<RunResult>;
}

export function browserInference(): BrowserInference {
  throw new Error("in-browser inference is not built yet");
}
