// The page's pure pieces against the desktop's own functions on the same inputs
// (fixtures/desktop.json, written by tests/web/desktop_fixture.py from viewer/).
import { describe, expect, it } from "vitest";
import fixture from "./fixtures/desktop.json";
import {
  applyVoiLut, applyWindow, displayVoiLut, greyOf, lutGreyOf, valueRange, voiLutWindow, windowTable,
  type VoiFunction,
} from "../src/display/lut";
import { frameRgba } from "../src/display/canvas";
import type { FramePixels } from "../src/types";
import { orientationLabels } from "../src/display/orientation";
import { decodeArray, ArrayFormatError } from "../src/arrays";
import { colormapTable, labelColors, maskRgba, placeHeatmap } from "../src/display/overlay";
import { letterbox } from "../src/arrays";

describe("window LUT = viewer.imaging.lut.apply_window", () => {
  const values = Float32Array.from(fixture.values);
  for (const w of fixture.lut) {
    it(`C ${w.center} W ${w.width}, value by value`, () => {
      const window = { center: w.center, width: w.width };
      expect(Array.from(values, (v) => greyOf(v, window))).toEqual(w.grey);
      expect(Array.from(applyWindow(values, window))).toEqual(w.grey);
    });
  }
  const integers = Float32Array.from(fixture.integers);
  for (const w of fixture.lut_integers) {
    it(`C ${w.center} W ${w.width}, one table per window over integer values`, () => {
      const range = valueRange(integers);
      expect(range.integers).toBe(true);
      const window = { center: w.center, width: w.width };
      expect(Array.from(windowTable(range, window))).toEqual(w.grey);
      expect(Array.from(applyWindow(integers, window, range))).toEqual(w.grey);
    });
  }
});

describe("VOI LUT Functions = apply_window(values, window, function)", () => {
  const values = Float32Array.from(fixture.values);
  const integers = Float32Array.from(fixture.integers);
  for (const w of fixture.voi_functions) {
    const fn = w.function as VoiFunction;
    it(`${fn} C ${w.center} W ${w.width}`, () => {
      const window = { center: w.center, width: w.width };
      expect(Array.from(values, (v) => greyOf(v, window, fn))).toEqual(w.grey);
      expect(Array.from(applyWindow(values, window, undefined, fn))).toEqual(w.grey);
      if (w.grey_integers) {
        const range = valueRange(integers);
        expect(Array.from(windowTable(range, window, fn))).toEqual(w.grey_integers);
        expect(Array.from(applyWindow(integers, window, range, fn))).toEqual(w.grey_integers);
      }
    });
  }
});

describe("VOI LUTs = apply_voi_lut, voi_lut_window and display_voi_lut", () => {
  const values = Float32Array.from(fixture.values);
  const integers = Float32Array.from(fixture.integers);
  for (const l of fixture.voi_luts) {
    const lut = { first: l.first, bits: l.bits, data: l.data };
    it(`${l.data.length} entries of ${l.bits} bits from ${l.first}`, () => {
      expect(Array.from(values, (v) => lutGreyOf(v, lut))).toEqual(l.grey);
      expect(Array.from(applyVoiLut(values, lut))).toEqual(l.grey);
      expect(Array.from(applyVoiLut(integers, lut, valueRange(integers)))).toEqual(l.grey_integers);
      expect(voiLutWindow(lut)).toEqual(l.window);
    });
  }
  it("shows the LUT only while the file has no window and the window is the LUT's own", () => {
    const l = fixture.voi_luts[0];
    const lut = { first: l.first, bits: l.bits, data: l.data };
    const own = voiLutWindow(lut);
    expect(displayVoiLut(null, lut, own)).toBe(lut);
    expect(displayVoiLut(null, lut, { center: own.center + 1, width: own.width })).toBeNull();
    expect(displayVoiLut({ center: 40, width: 400 }, lut, own)).toBeNull();
    expect(displayVoiLut(null, null, own)).toBeNull();
    const pixels: FramePixels = { index: 0, rows: 1, columns: values.length, samples: 1, values,
                                  pixel_spacing: null, sop_instance_uid: "" };
    const drawn = frameRgba(pixels, own, false, { fn: "SIGMOID", window: null, lut });
    expect(Array.from(drawn.filter((_, i) => i % 4 === 0))).toEqual(l.grey);
    const chosen = { center: 40, width: 400 };
    const sigmoid = frameRgba(pixels, chosen, false, { fn: "SIGMOID", window: null, lut });
    expect(Array.from(sigmoid.filter((_, i) => i % 4 === 0)))
      .toEqual(Array.from(values, (v) => greyOf(v, chosen, "SIGMOID")));
  });
});

describe("orientation letters = viewer.imaging.orientation.orientation_labels", () => {
  for (const c of fixture.orientation) {
    it(`${JSON.stringify(c.orientation)} turned ${c.rotation}° flips ${c.flip_h}/${c.flip_v}`, () => {
      expect(orientationLabels(c.orientation, c.rotation, c.flip_h, c.flip_v)).toEqual(c.labels);
    });
  }
  it("refuses a rotation that is not a quarter turn", () => {
    expect(() => orientationLabels([1, 0, 0, 0, 1, 0], 45)).toThrow(/multiple of 90/);
  });
});

describe("arrays = viewer.inference.result_arrays.encode_array", () => {
  for (const a of fixture.arrays) {
    it(`${a.encoded.dtype} ${JSON.stringify(a.shape)}`, () => {
      const decoded = decodeArray(a.encoded);
      expect(decoded.dtype).toBe(a.encoded.dtype);
      expect(decoded.shape).toEqual(a.shape);
      expect(Array.from(decoded.data)).toEqual(a.values);
    });
  }
  it("refuses what is not one of ours", () => {
    const good = fixture.arrays[0].encoded;
    expect(() => decodeArray({ ...good, dtype: "float64" })).toThrow(ArrayFormatError);
    expect(() => decodeArray({ ...good, encoding: "raw" })).toThrow(ArrayFormatError);
    expect(() => decodeArray({ ...good, data: "!!!!" })).toThrow(ArrayFormatError);
    expect(() => decodeArray({ ...good, data: btoa("not zlib") })).toThrow(ArrayFormatError);
    expect(() => decodeArray({ ...good, shape: [1000] })).toThrow(/bytes for shape/);
    expect(() => decodeArray(null)).toThrow(ArrayFormatError);
  });
});

describe("overlays = viewer.imaging.ai_layers / postprocess.place_heatmap", () => {
  it("places a heatmap by its letterbox and value range", () => {
    const h = fixture.heatmap;
    const heat = placeHeatmap(decodeArray(h.grid), letterbox(h.box), h.value_range as [number, number]);
    expect(heat.length).toBe(h.heat.length);
    heat.forEach((v, i) => expect(v).toBeCloseTo(h.heat[i], 6));
  });
  it("colours a label map as the desktop (label 0 clear, palette for labels without colour)", () => {
    const m = fixture.masks;
    const rgba = maskRgba(decodeArray(m.mask), labelColors(m.labels), 0.45);
    expect(Array.from(rgba)).toEqual(m.rgba);
  });
  for (const [name, table] of Object.entries(fixture.colormaps)) {
    it(`colour map ${name}`, () => {
      expect(Array.from(colormapTable(name))).toEqual(table);
    });
  }
});
