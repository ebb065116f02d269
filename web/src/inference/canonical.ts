// The manifest digest as viewer/inference/digest.py computes it: SHA-256 of
// json.dumps(manifest without "digest", sort_keys=True, separators=(",", ":"),
// ensure_ascii=False) in UTF-8. JSON.parse cannot reproduce it (it forgets that 0.0 was a
// float and 40 an integer), so this parser keeps each number's kind: integers are written
// as Python writes an int, floats as Python's repr (shortest round-trip digits, fixed
// notation for exponents -4..15, else d.dddde±XX).

export type JsonValue =
  | null | boolean | string | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

/** A number token with its Python type: "int" (no '.', 'e' or 'E') or "float". */
export class JsonNumber {
  constructor(readonly token: string, readonly isInt: boolean) {}
  get value(): number { return Number(this.token); }
}

export class CanonicalJsonError extends Error {}

/** Parse JSON text, keeping number tokens (objects keep their last value per key, as
 * Python's json does). */
export function parseJsonKeepingNumbers(text: string): JsonValue {
  let i = 0;
  const fail = (why: string): never => { throw new CanonicalJsonError(`${why} at ${i}`); };
  const ws = () => { while (i < text.length && " \t\n\r".includes(text[i])) i++; };
  const value = (): JsonValue => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj: { [key: string]: JsonValue } = {};
      ws();
      if (text[i] === "}") { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a key");
        const key = string();
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        const v = value();
        Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "}") { i++; return obj; }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === "]") { i++; return arr; }
      for (;;) {
        arr.push(value());
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "]") { i++; return arr; }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (text.startsWith("true", i)) { i += 4; return true; }
    if (text.startsWith("false", i)) { i += 5; return false; }
    if (text.startsWith("null", i)) { i += 4; return null; }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail("unexpected character");
    i += m[0].length;
    return new JsonNumber(m[0], m[2] === undefined && m[3] === undefined);
  };
  const string = (): string => {
    const start = i;
    i++;
    let out = "";
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const ch = text[i];
      if (ch === '"') { i++; break; }
      if (ch === "\\") {
        let j = i + 1;
        if (text[j] === "u") j += 5; else j += 1;
        out += JSON.parse(`"${text.slice(i, j)}"`) as string;
        i = j;
        continue;
      }
      out += ch;
      i++;
    }
    void start;
    return out;
  };
  const result = value();
  ws();
  if (i !== text.length) fail("trailing text");
  return result;
}

/** Python's repr of a float (what json.dumps writes for one). */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  // toExponential() without digits: the shortest digits that round-trip (as repr's).
  const [mant, expText] = Math.abs(x).toExponential().split("e");
  const digits = mant.replace(".", "");
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, "0");
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${e}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.length <= exp + 1 ? digits + "0".repeat(exp + 1 - digits.length) : digits.slice(0, exp + 1);
  const frac = digits.length > exp + 1 ? digits.slice(exp + 1) : "0";
  return `${sign}${whole}.${frac}`;
}

function pythonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (code < 0x20) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** Python sorts keys by code point; JS's default sort by UTF-16 unit (they differ past
 * U+FFFF). */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k] - y[k];
  return x.length - y.length;
}

export function canonicalText(value: JsonValue): string {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "string") return pythonString(value);
  if (value instanceof JsonNumber) {
    return value.isInt ? BigInt(value.token).toString() : pythonFloatRepr(value.value);
  }
  if (Array.isArray(value)) return "[" + value.map(canonicalText).join(",") + "]";
  const keys = Object.keys(value).sort(byCodePoint);
  return "{" + keys.map((k) => pythonString(k) + ":" + canonicalText(value[k])).join(",") + "}";
}

/** The bytes digest.py hashes: the manifest without its "digest" key, canonical, UTF-8. */
export function canonicalManifestBytes(manifestText: string): Uint8Array {
  const parsed = parseJsonKeepingNumbers(manifestText);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed) || parsed instanceof JsonNumber) {
    throw new CanonicalJsonError("a manifest is a JSON object");
  }
  const body: { [key: string]: JsonValue } = {};
  for (const k of Object.keys(parsed)) if (k !== "digest") body[k] = parsed[k];
  return new TextEncoder().encode(canonicalText(body));
}
