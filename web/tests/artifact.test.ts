/// <reference types="node" />
// The browser's checks of an artifact, run in node on the bundled models: SHA-256 (plain
// and crypto.subtle) against node's crypto, the canonical manifest digest, golden.npz
// read by the .npy reader, the tolerance rule, and the golden replay itself (onnxruntime-
// web's node build: the same WebAssembly kernels the page runs).
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalManifestBytes, pythonFloatRepr, parseJsonKeepingNumbers, canonicalText } from "../src/inference/canonical";
import { readNpz, readNpy } from "../src/inference/npy";
import { sha256Hex, sha256Plain } from "../src/inference/sha256";
import { agreement } from "../src/inference/tolerance";
import { checkFiles, replayGolden, Refused } from "../src/inference/verify";
import { createSession } from "../src/inference/ort";

const MODELS = join(__dirname, "..", "..", "models");
const ids: string[] = readdirSync(MODELS).filter((d: string) => existsSync(join(MODELS, d, "manifest.json")));
const read = (id: string, name: string) => new Uint8Array(readFileSync(join(MODELS, id, name)));

describe("sha256", () => {
  it("equals node's crypto on empty, odd and every bundled file", async () => {
    const cases = [new Uint8Array(0), new TextEncoder().encode("abc"), new Uint8Array(55), new Uint8Array(56), new Uint8Array(64), new Uint8Array(1000).map((_, k) => k * 7)];
    for (const id of ids) cases.push(read(id, "model.onnx"));
    for (const data of cases) {
      const want = createHash("sha256").update(data).digest("hex");
      expect(sha256Plain(data)).toBe(want);
      expect(await sha256Hex(data)).toBe(want);
    }
  });
});

describe("canonical manifest digest", () => {
  it.each(ids)("%s: the digest Python wrote", async (id) => {
    const text = readFileSync(join(MODELS, id, "manifest.json"), "utf-8");
    const digest = createHash("sha256").update(canonicalManifestBytes(text)).digest("hex");
    expect(digest).toBe(JSON.parse(text).digest);
  });
  it("writes floats as Python's repr and ints as ints", () => {
    const cases: [string, string][] = [["0.0", "0.0"], ["1e-4", "0.0001"], ["1e-5", "1e-05"], ["1.5e16", "1.5e+16"],
      ["1e16", "1e+16"], ["123456789012345.0", "123456789012345.0"], ["1234567890123456.0", "1234567890123456.0"],
      ["0.1", "0.1"], ["-2.50", "-2.5"], ["40", "40"], ["-0", "0"], ["12345678901234567890", "12345678901234567890"],
      ["6.68e-06", "6.68e-06"], ["-0.0", "-0.0"], ["2E3", "2000.0"], ["1e22", "1e+22"], ["0.00012", "0.00012"]];
    for (const [token, want] of cases) expect(canonicalText(parseJsonKeepingNumbers(token))).toBe(want);
    expect(pythonFloatRepr(1 / 3)).toBe("0.3333333333333333");
    expect(canonicalText(parseJsonKeepingNumbers('{"b":1,"a":"é\\n\\u0001","\\u00e9":[true,null]}')))
      .toBe('{"a":"é\\n\\u0001","b":1,"é":[true,null]}');
  });
});

describe("npy", () => {
  it.each(ids)("%s: golden.npz holds every input and output, float32, batch first", (id) => {
    const manifest = JSON.parse(readFileSync(join(MODELS, id, "manifest.json"), "utf-8"));
    const arrays = readNpz(read(id, "golden.npz"));
    for (const i of manifest.inputs) {
      const a = arrays.get(`input:${i.name}`)!;
      expect(a.dtype).toBe("float32");
      expect(a.shape.slice(1)).toEqual(i.shape.slice(1));
      expect(a.data.length).toBe(a.shape.reduce((x: number, y: number) => x * y, 1));
    }
    for (const o of manifest.outputs) expect(arrays.has(`output:${o.name}`)).toBe(true);
  });
  it("refuses a dtype it does not know, and a short file", () => {
    const header = "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }";
    const pad = " ".repeat(128 - 10 - header.length - 1) + "\n";
    const bytes = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 128, 0, ...new TextEncoder().encode(header + pad), 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => readNpy(bytes, "x")).toThrow(/dtype >f4/);
    expect(() => readNpy(bytes.subarray(0, 8), "x")).toThrow(/not a .npy/);
  });
});

describe("tolerance", () => {
  const tol = { atol: 1e-4, rtol: 1e-3, scale_rtol: 1e-5 };
  it("is |a-b| <= atol + rtol|b| + scale_rtol max|b|, NaN only with NaN", () => {
    const b = [10, 0, -5, NaN];
    const allowed0 = 1e-4 + 1e-3 * 10 + 1e-5 * 10;
    expect(agreement([10 + allowed0 * 0.99, 0, -5, NaN], b, [4], tol).agrees).toBe(true);
    const bad = agreement([10, 1e-4 + 1e-4 + 1e-6, -5, NaN], b, [4], tol);
    expect(bad.agrees).toBe(false);
    expect(bad.worst).toEqual([1]);
    expect(agreement([10, 0, -5, 1], b, [2, 2], tol).agrees).toBe(false);
    expect(agreement([10, 0, -5, 1], b, [2, 2], tol).worst).toEqual([1, 1]);
  });
});

describe("golden replay (onnxruntime-web, WebAssembly)", () => {
  it.each(ids)("%s replays within its tolerance", async (id) => {
    const text = readFileSync(join(MODELS, id, "manifest.json"), "utf-8");
    const { manifest, files, checked } = await checkFiles(text, JSON.parse(text).digest, async (n) => read(id, n));
    expect(checked).toEqual(["manifest.json", "model.onnx", "golden.npz"]);
    const session = await createSession(files.get("model.onnx")!, "wasm");
    const worst = await replayGolden(manifest, session, files.get("golden.npz")!);
    expect(worst).toBeLessThanOrEqual(1);
  }, 120_000);

  it("refuses a changed file, naming it, and tampered golden outputs, naming the element", async () => {
    const id = "ct-lesion-cls";
    const text = readFileSync(join(MODELS, id, "manifest.json"), "utf-8");
    const changed = read(id, "model.onnx");
    changed[changed.length - 10] ^= 1;
    await expect(checkFiles(text, null, async (n) => (n === "model.onnx" ? changed : read(id, n))))
      .rejects.toThrow("model.onnx does not match its digest");
    await expect(checkFiles(text.replace('"center": 60', '"center": 61'), null, async (n) => read(id, n)))
      .rejects.toThrow("manifest.json does not match its digest");
    const { manifest, files } = await checkFiles(text, null, async (n) => read(id, n));
    const session = await createSession(files.get("model.onnx")!, "wasm");
    // golden outputs changed (the replay's own check, below the digests)
    const { zipSync, unzipSync } = await import("fflate");
    const entries = unzipSync(files.get("golden.npz")!);
    const probs = entries["output:probs.npy"];
    const view = new DataView(probs.buffer, probs.byteOffset, probs.byteLength);
    const at = probs.length - 4; // the last element: sample (n-1), class 1
    view.setFloat32(at, view.getFloat32(at, true) + 0.05, true);
    const error = await replayGolden(manifest, session, zipSync(entries)).catch((e) => e);
    expect(error).toBeInstanceOf(Refused);
    expect(String(error.message)).toMatch(/output 'probs' differs .*golden sample \d+, element \[\d+, 1\]/);
  }, 120_000);
});

describe("a model the runtime cannot load", () => {
  it("is refused with a clear reason, not a crash", async () => {
    const { createSession, SessionError } = await import("../src/inference/ort");
    const error = await createSession(new TextEncoder().encode("not an onnx graph"), "wasm").catch((e) => e);
    expect(error).toBeInstanceOf(SessionError);
    expect(String(error.message)).toMatch(/^WebAssembly could not load the model \(/);
  });
});

describe("backends outside a browser", () => {
  it("offers WebAssembly on one thread and says why WebGPU is missing", async () => {
    const { backends } = await import("../src/inference/ort");
    const found = await backends();
    expect(found.available).toEqual(["wasm"]);
    expect(found.notes[0]).toMatch(/^WebGPU: /);
    expect(found.notes[1]).toMatch(/^WebAssembly: one thread/);
  });
});
