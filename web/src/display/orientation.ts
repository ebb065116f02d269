// Patient-direction letters for the four edges of the image (PS3.3 C.7.6.2.1.1), the
// desktop's rule (viewer/imaging/orientation.py): DICOM patient coordinates are LPS; the
// row direction points at the screen's right, the column direction at its bottom; each
// edge gets the letters of the direction pointing at it, strongest component first.

/** Components smaller than this are ignored, so a slightly tilted axial still reads "A". */
export const MIN_COMPONENT = 0.1;
export const MAX_LETTERS = 3;

const LETTERS: [string, string][] = [["L", "R"], ["P", "A"], ["H", "F"]];

export interface EdgeLabels {
  left: string;
  right: string;
  top: string;
  bottom: string;
}

type Vec3 = [number, number, number];

/** The patient directions ``vector`` points to, major first: "L", "AF", "RPH"... */
export function directionLetters(vector: Vec3): string {
  const weighted = vector.map((component, axis) => ({ weight: Math.abs(component), axis, component }));
  // Python sorts the (weight, axis, component) tuples in reverse: ties go to the higher axis.
  weighted.sort((a, b) => b.weight - a.weight || b.axis - a.axis || b.component - a.component);
  return weighted
    .filter((w) => w.weight >= MIN_COMPONENT)
    .map((w) => LETTERS[w.axis][w.component > 0 ? 0 : 1])
    .slice(0, MAX_LETTERS)
    .join("");
}

function unit(v: number[]): Vec3 | null {
  if (v.length !== 3 || !v.every((x) => typeof x === "number")) return null;
  const [x, y, z] = v;
  const norm = Math.sqrt(x * x + y * y + z * z);
  if (!Number.isFinite(norm) || norm < 1e-6) return null;
  return [x / norm, y / norm, z / norm];
}

/** Labels for the screen's edges; null when the orientation is unknown or unusable.
 * ``rotation``: degrees clockwise (a multiple of 90); flips in screen space after it. */
export function orientationLabels(
  orientation: number[] | null,
  rotation = 0,
  flipH = false,
  flipV = false,
): EdgeLabels | null {
  if (rotation % 90) throw new Error(`rotation must be a multiple of 90 degrees, got ${rotation}`);
  if (!orientation || orientation.length !== 6) return null;
  const row = unit(orientation.slice(0, 3));
  const column = unit(orientation.slice(3));
  if (!row || !column) return null;
  let right = directionLetters(row);
  let bottom = directionLetters(column);
  let left = directionLetters([-row[0], -row[1], -row[2]]);
  let top = directionLetters([-column[0], -column[1], -column[2]]);
  if (!(right && bottom && left && top)) return null;
  const turns = (((rotation / 90) % 4) + 4) % 4;
  for (let i = 0; i < turns; i++) [top, right, bottom, left] = [left, top, right, bottom];
  if (flipH) [left, right] = [right, left];
  if (flipV) [top, bottom] = [bottom, top];
  return { left, right, top, bottom };
}
