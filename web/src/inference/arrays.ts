// The service's arrays ({dtype, shape, encoding: "zlib+base64", data}, result_arrays.py)
// decoded to the ArrayData the page draws: what a result computed on the service needs
// before it is drawn like one computed here.
import { unzlibSync } from "fflate";
import type { ArrayData, DType } from "../types";

export interface EncodedArray { dtype: string; shape: number[]; encoding: string; data: string }

export function decodeArray(item: EncodedArray): ArrayData {
  const dtypes: DType[] = ["uint8", "uint16", "int32", "float32"];
  if (!dtypes.includes(item.dtype as DType) || item.encoding !== "zlib+base64") {
    throw new Error(`an array of ${item.dtype} in ${item.encoding}`);
  }
  const binary = atob(item.data);
  const packed = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  const raw = unzlibSync(packed);
  const buffer = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
  const dtype = item.dtype as DType;
  const data = dtype === "uint8" ? new Uint8Array(buffer) : dtype === "uint16" ? new Uint16Array(buffer)
    : dtype === "int32" ? new Int32Array(buffer) : new Float32Array(buffer);
  if (data.length !== item.shape.reduce((a, b) => a * b, 1)) throw new Error("an array whose size is not its shape's");
  return { dtype, shape: item.shape, data };
}
