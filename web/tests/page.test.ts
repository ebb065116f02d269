// The page's own pure parts: a run's answer → RunResult, what a frame's overlay shows
// (captions that name the model, boxes at the model's threshold), the words.
import { describe, expect, it } from "vitest";
import { zlibSync } from "fflate";
import { providerName, runResultOf } from "../src/arrays";
import { aiTitle, frameOverlay, outputLabels, whereText } from "../src/ai";
import { setLanguage, t } from "../src/i18n";
import { showDate, showName } from "../src/lists";

function encode(dtype: string, shape: number[], bytes: Uint8Array) {
  let binary = "";
  for (const b of zlibSync(bytes)) binary += String.fromCharCode(b);
  return { dtype, shape, encoding: "zlib+base64", data: btoa(binary) };
}

const box = { source: [2, 3], target: [4, 4], scale: [1.3, 1.3], offset: [1, 0] };
const answer = {
  provenance: { model_id: "seg", model_name: "CT body segmentation (demo)", model_version: "1.1.0",
                model_digest: "abc", runtime_version: "1.23", provider: "CPUExecutionProvider",
                unsigned: false, not_for_clinical_use: true },
  series_uid: "1.2", images: 1, warnings_accepted: ["body part"], results: [],
  arrays: { volume: null, frames: [{
    frame_index: 0, sop_instance_uid: "1.2.3", geometry: box, domain: null,
    outputs: [
      { name: "logits", kind: "mask", label_map: encode("uint8", [2, 3], Uint8Array.of(0, 1, 2, 0, 4, 0)) },
      { name: "probs", kind: "labels", probabilities: [0.25, 0.75] },
      { name: "size", kind: "values", values: [12.345, null] },
      { name: "boxes", kind: "boxes", score_threshold: 0.5,
        boxes: [{ x0: 0, y0: 0, x1: 2, y1: 1, score: 0.93, class_index: 0, class: "lesion" }],
        candidates: [{ x0: 0, y0: 0, x1: 2, y1: 1, score: 0.93, class_index: 0, class: "lesion" },
                     { x0: 1, y0: 0, x1: 3, y1: 2, score: 0.2, class_index: 0, class: "lesion" }] },
    ] }] },
};
const manifest = { outputs: [
  { name: "logits", kind: "mask", labels: [{ value: 0, name: "background" }, { value: 1, name: "lung", color: "#4FC3F7" }] },
  { name: "probs", kind: "labels", labels: [{ name: "no lesion" }, { name: "lesion" }] },
  { name: "size", kind: "values", decimals: 2, labels: [{ name: "diameter", unit: "mm" }, { name: "volume", unit: "mL" }] },
  { name: "boxes", kind: "boxes", classes: [{ name: "lesion", color: "#FFB300" }] },
] };

describe("a run on the service", () => {
  const run = runResultOf(answer);
  it("keeps the model, where it ran and the accepted warnings", () => {
    expect(run.model).toEqual({ id: "seg", name: "CT body segmentation (demo)", version: "1.1.0",
                                digest: "abc", not_for_clinical_use: true });
    expect(run.where).toEqual({ place: "service", backend: "CPU" });
    expect(run.warnings_accepted).toEqual(["body part"]);
    expect(aiTitle(run)).toBe("AI · CT body segmentation (demo) 1.1.0");
    setLanguage("en");
    expect(whereText(run.where)).toBe("on the service (CPU)");
    expect(whereText({ place: "browser", backend: "WebAssembly" })).toBe("in this browser (WebAssembly)");
  });
  it("draws the frame's mask, boxes at the model's threshold, and captions naming the model", () => {
    const shown = frameOverlay([{ run, labels: outputLabels(manifest) }], 0, "1.2.3", 2, 3);
    expect(shown.layer).not.toBeNull();
    const px = (i: number) => Array.from(shown.layer!.slice(4 * i, 4 * i + 4));
    expect(px(0)).toEqual([0, 0, 0, 0]); // background stays clear
    expect(px(1)).toEqual([0x4f, 0xc3, 0xf7, 115]); // the manifest's colour, opacity 0.45
    expect(px(2)).toEqual([60, 180, 75, 115]); // no colour given: the desktop's palette
    expect(shown.boxes.map((b) => b.caption)).toEqual(["AI · CT body segmentation (demo) 1.1.0 · lesion 93%"]);
    expect(shown.boxes[0].color).toEqual([255, 179, 0]);
    expect(shown.lines).toEqual([
      "AI · CT body segmentation (demo) 1.1.0 · lesion 75%",
      "AI · CT body segmentation (demo) 1.1.0 · diameter 12.35 mm · volume — mL",
    ]);
  });
  it("shows nothing on another frame, or a frame of another size", () => {
    expect(frameOverlay([{ run, labels: new Map() }], 1, "", 2, 3).layer).toBeNull();
    const other = frameOverlay([{ run, labels: new Map() }], 0, "1.2.3", 4, 3);
    expect(other.layer).toBeNull();
    expect(other.boxes).toEqual([]);
    expect(frameOverlay([{ run, labels: new Map() }], 0, "9.9.9", 2, 3).layer).toBeNull();
  });
  it("refuses an answer without arrays", () => {
    expect(() => runResultOf({ ...answer, arrays: null })).toThrow(/arrays/);
  });
  it("names providers as the page shows them", () => {
    expect(providerName("CUDAExecutionProvider")).toBe("CUDA");
    expect(providerName("TensorrtExecutionProvider")).toBe("TensorRT");
    expect(providerName("")).toBe("CPU");
  });
});

describe("words", () => {
  it("speaks Japanese when the browser does, English otherwise", () => {
    setLanguage("ja-JP");
    expect(t("Run on service")).toBe("サービスで実行");
    expect(t("Frame {} / {}", 3, 10)).toBe("画像 3 / 10");
    setLanguage("en-GB");
    expect(t("Frame {} / {}", 3, 10)).toBe("Frame 3 / 10");
  });
  it("shows DICOM dates and names readably", () => {
    expect(showDate("20240131")).toBe("2024-01-31");
    expect(showDate("")).toBe("");
    expect(showName("DOE^JANE")).toBe("DOE JANE");
  });
});

describe("a frame's pixels", () => {
  it("MONOCHROME1 is shown inverted (as the desktop's render_frame), RGB as is", async () => {
    const { frameRgba } = await import("../src/display/canvas");
    const { greyOf } = await import("../src/display/lut");
    const values = Float32Array.of(-1000, 0, 40, 240, 3000, 12.5);
    const window = { center: 40, width: 400 };
    const frame = { index: 0, rows: 2, columns: 3, samples: 1 as const, values,
                    pixel_spacing: null, sop_instance_uid: "" };
    const plain = frameRgba(frame, window);
    const inverted = frameRgba(frame, window, true);
    values.forEach((v, i) => {
      expect(Array.from(plain.slice(4 * i, 4 * i + 4))).toEqual([greyOf(v, window), greyOf(v, window), greyOf(v, window), 255]);
      expect(inverted[4 * i]).toBe(255 - greyOf(v, window));
    });
    const rgb = Uint8Array.of(1, 2, 3, 250, 251, 252);
    const colour = frameRgba({ ...frame, rows: 1, columns: 2, samples: 3, values: rgb }, window, true);
    expect(Array.from(colour)).toEqual([1, 2, 3, 255, 250, 251, 252, 255]);
  });
});
