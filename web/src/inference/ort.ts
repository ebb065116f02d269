// onnxruntime-web, served from this page's own origin: the WebAssembly runtime (the JSEP
// build, which also carries WebGPU) is bundled by Vite into /web/assets/ and
// env.wasm.wasmPaths points at those URLs, so nothing is fetched from a CDN. WebGPU when
// navigator.gpu gives an adapter; else WebAssembly, threaded only where the page is
// cross-origin isolated (SharedArrayBuffer), else on one thread.
import * as ort from "onnxruntime-web";
import wasmUrl from "onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url";
import mjsUrl from "onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url";
import type { Backend } from "./index";

export { ort };

const inBrowser = typeof window !== "undefined" && typeof document !== "undefined";
let configured = false;

function threads(): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  if (!isolated || typeof SharedArrayBuffer === "undefined") return 1;
  return Math.max(1, Math.min(4, globalThis.navigator?.hardwareConcurrency ?? 1));
}

export function configure(): void {
  if (configured) return;
  configured = true;
  if (inBrowser) {
    ort.env.wasm.wasmPaths = { wasm: new URL(wasmUrl, location.href).href, mjs: new URL(mjsUrl, location.href).href };
  }
  ort.env.wasm.numThreads = inBrowser ? threads() : 1;
  ort.env.logLevel = "error";
}

type GpuNavigator = { gpu?: { requestAdapter(): Promise<unknown | null> } };
let offered: Promise<{ available: Backend[]; notes: string[] }> | null = null;

export function backends(): Promise<{ available: Backend[]; notes: string[] }> {
  offered ??= (async () => {
    const available: Backend[] = [];
    const notes: string[] = [];
    const gpu = (globalThis.navigator as GpuNavigator | undefined)?.gpu;
    if (!inBrowser) notes.push("WebGPU: not offered outside a browser");
    else if (!gpu) notes.push("WebGPU: this browser does not offer it (navigator.gpu is absent)");
    else {
      try {
        const adapter = await gpu.requestAdapter();
        if (adapter) available.push("webgpu");
        else notes.push("WebGPU: the browser offers no GPU adapter (no GPU, or it is disabled)");
      } catch (e) {
        notes.push(`WebGPU: asking for an adapter failed (${(e as Error).message})`);
      }
    }
    if (typeof WebAssembly === "object") {
      available.push("wasm");
      const n = inBrowser ? threads() : 1;
      notes.push(n > 1 ? `WebAssembly: ${n} threads`
        : "WebAssembly: one thread (the page is not cross-origin isolated, so the browser " +
          "gives no SharedArrayBuffer for threads)");
    } else {
      notes.push("WebAssembly: this browser does not offer it");
    }
    return { available, notes };
  })();
  return offered;
}

export function backendName(b: Backend): string {
  return b === "webgpu" ? "WebGPU" : "WebAssembly";
}

export class SessionError extends Error {}

/** A session from bytes already checked against the manifest; a clear reason when the
 * browser cannot hold or build it. */
export async function createSession(model: Uint8Array, backend: Backend): Promise<ort.InferenceSession> {
  configure();
  try {
    return await ort.InferenceSession.create(model, {
      executionProviders: [backend], graphOptimizationLevel: "all",
    });
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    const mb = (model.length / 1e6).toFixed(1);
    if (e instanceof RangeError || /memory|allocat|OOM/i.test(text)) {
      throw new SessionError(`the model (${mb} MB) is too large for this browser's memory ` +
        `on ${backendName(backend)}; ask the service to run it (${text.slice(0, 160)})`);
    }
    throw new SessionError(`${backendName(backend)} could not load the model (${text.slice(0, 200)})`);
  }
}
