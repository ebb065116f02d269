// Pillow's Image.resize on a mode "F" (float32) image, reproduced: what
// viewer/inference/preprocess.fit calls. BILINEAR is Pillow's ImagingResample, a
// separable triangle filter whose support widens by the scale when shrinking (it
// antialiases; a naive bilinear would not), coefficients in double, the horizontal pass
// first into a float32 image, then the vertical pass. NEAREST is Pillow's affine
// nearest-neighbour scaling (ImagingScaleAffine: source = floor((x + 0.5) · in/out),
// the position accumulated step by step as Pillow does).

interface Coeffs { bounds: Int32Array; kk: Float64Array; ksize: number }

function precompute(inSize: number, outSize: number): Coeffs {
  let filterscale = inSize / outSize;
  const scale = filterscale;
  if (filterscale < 1.0) filterscale = 1.0;
  const support = 1.0 * filterscale; // bilinear's support is 1
  const ksize = Math.ceil(support) * 2 + 1;
  const kk = new Float64Array(outSize * ksize);
  const bounds = new Int32Array(outSize * 2);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    let ww = 0.0;
    const ss = 1.0 / filterscale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    const base = xx * ksize;
    for (let x = 0; x < xmax; x++) {
      let t = (x + xmin - center + 0.5) * ss;
      if (t < 0) t = -t;
      const w = t < 1.0 ? 1.0 - t : 0.0;
      kk[base + x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) if (ww !== 0.0) kk[base + x] /= ww;
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { bounds, kk, ksize };
}

/** A (rows, cols) float32 plane resized to (outRows, outCols) as Pillow's BILINEAR. */
export function resizeBilinear(
  plane: Float32Array, rows: number, cols: number, outRows: number, outCols: number,
): Float32Array {
  const needH = outCols !== cols;
  const needV = outRows !== rows;
  const h = precompute(cols, outCols);
  const v = precompute(rows, outRows);
  let src = plane;
  let srcRows = rows;
  let first = 0;
  if (needH) {
    // Only the rows the vertical pass reads (Pillow's ybox_first..ybox_last).
    first = v.bounds[0];
    const last = v.bounds[outRows * 2 - 2] + v.bounds[outRows * 2 - 1];
    const tmpRows = needV ? last - first : rows;
    if (!needV) first = 0;
    const tmp = new Float32Array(tmpRows * outCols);
    for (let y = 0; y < tmpRows; y++) {
      const row = (y + first) * cols;
      for (let xx = 0; xx < outCols; xx++) {
        const xmin = h.bounds[xx * 2], xmax = h.bounds[xx * 2 + 1], base = xx * h.ksize;
        let ss = 0.0;
        for (let x = 0; x < xmax; x++) ss += plane[row + x + xmin] * h.kk[base + x];
        tmp[y * outCols + xx] = ss;
      }
    }
    src = tmp;
    srcRows = tmpRows;
  }
  if (!needV) return needH ? src : plane.slice();
  const out = new Float32Array(outRows * outCols);
  const shift = needH ? first : 0;
  void srcRows;
  for (let yy = 0; yy < outRows; yy++) {
    const ymin = v.bounds[yy * 2] - shift, ymax = v.bounds[yy * 2 + 1], base = yy * v.ksize;
    for (let xx = 0; xx < outCols; xx++) {
      let ss = 0.0;
      for (let y = 0; y < ymax; y++) ss += src[(y + ymin) * outCols + xx] * v.kk[base + y];
      out[yy * outCols + xx] = ss;
    }
  }
  return out;
}

function nearestIndex(inSize: number, outSize: number): Int32Array {
  const a = inSize / outSize;
  const index = new Int32Array(outSize);
  let xo = a * 0.5;
  for (let x = 0; x < outSize; x++) {
    const xin = xo < 0 ? -1 : Math.trunc(xo);
    index[x] = Math.min(Math.max(xin, 0), inSize - 1);
    xo += a;
  }
  return index;
}

/** A (rows, cols) float32 plane resized as Pillow's NEAREST. */
export function resizeNearest(
  plane: Float32Array, rows: number, cols: number, outRows: number, outCols: number,
): Float32Array {
  const ri = nearestIndex(rows, outRows), ci = nearestIndex(cols, outCols);
  const out = new Float32Array(outRows * outCols);
  for (let y = 0; y < outRows; y++) {
    const row = ri[y] * cols;
    for (let x = 0; x < outCols; x++) out[y * outCols + x] = plane[row + ci[x]];
  }
  return out;
}
