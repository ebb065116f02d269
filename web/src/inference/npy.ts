// golden.npz in the browser: a zip (numpy.savez, stored or deflated) of .npy files, read
// with fflate and this small .npy reader. Only what golden vectors hold is accepted
// (little-endian float32/float64/int64/int32/uint8/bool, C order); anything else is an
// error naming the array, never a silent reinterpretation.
import { unzipSync } from "fflate";

export type NpyData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export interface NpyArray {
  dtype: "float32" | "float64" | "int64" | "int32" | "uint8" | "bool";
  shape: number[];
  data: NpyData;
}

export class NpyError extends Error {}

const DTYPES: Record<string, [NpyArray["dtype"], number]> = {
  "<f4": ["float32", 4], "<f8": ["float64", 8], "<i8": ["int64", 8], "<i4": ["int32", 4],
  "|u1": ["uint8", 1], "|b1": ["bool", 1],
};

/** One .npy file's array (a copy, aligned for its typed array). */
export function readNpy(bytes: Uint8Array, name = "array"): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, k) => bytes[k] !== m)) {
    throw new NpyError(`${name} is not a .npy array`);
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyError(`${name}: an unreadable .npy header`);
  }
  const kind = DTYPES[descr];
  if (!kind) throw new NpyError(`${name}: dtype ${descr} is not one golden vectors use`);
  if (fortran === "True") throw new NpyError(`${name}: Fortran order is not supported`);
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLength;
  const [dtype, size] = kind;
  if (bytes.length - offset !== count * size) {
    throw new NpyError(`${name}: ${bytes.length - offset} bytes of data for shape (${shape.join(", ")}) of ${dtype}`);
  }
  const raw = bytes.slice(offset, offset + count * size).buffer; // a copy: aligned at 0
  const data: NpyData =
    dtype === "float32" ? new Float32Array(raw) :
    dtype === "float64" ? new Float64Array(raw) :
    dtype === "int64" ? new BigInt64Array(raw) :
    dtype === "int32" ? new Int32Array(raw) : new Uint8Array(raw);
  return { dtype, shape, data };
}

/** Every array of an .npz, by the name numpy.load gives it (the file name less ".npy"). */
export function readNpz(bytes: Uint8Array): Map<string, NpyArray> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new NpyError(`not a readable .npz (${(e as Error).message})`);
  }
  const arrays = new Map<string, NpyArray>();
  for (const [file, content] of Object.entries(files)) {
    const key = file.endsWith(".npy") ? file.slice(0, -4) : file;
    arrays.set(key, readNpy(content, key));
  }
  return arrays;
}

/** Values as float64 numbers (int64 through Number: golden integers are small). */
export function asFloat64(a: NpyArray): Float64Array {
  if (a.data instanceof BigInt64Array) return Float64Array.from(a.data, (v) => Number(v));
  return Float64Array.from(a.data as ArrayLike<number>);
}
