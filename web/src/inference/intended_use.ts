// Is this series what the model was made for? viewer/inference/intended_use.py's rules
// and words: a mismatch is a warning (the reader may run anyway, explicitly, with
// accept_warnings); an image that cannot feed the model is a problem (nothing runs).
import type { FramePixels, FrameSource } from "../types";
import type { Manifest } from "./manifest";
import { formatG } from "./tolerance";

export interface UseCheck { warnings: string[]; problems: string[] }

export function checkIntendedUse(manifest: Manifest, source: FrameSource, frames: FramePixels[]): UseCheck {
  const use = manifest.intended_use;
  const warnings: string[] = [];
  const modality = (source.modality ?? "").toUpperCase();
  if (use.modality.length && !use.modality.includes(modality)) {
    warnings.push(`modality is ${modality || "unknown"}; the model is meant for ${use.modality.join(", ")}`);
  }
  if (use.body_part.length) {
    const part = (source.body_part ?? "").trim().toUpperCase();
    if (!part) warnings.push(`body part is not recorded; the model is meant for ${use.body_part.join(", ")}`);
    else if (!use.body_part.includes(part)) {
      warnings.push(`body part is ${part}; the model is meant for ${use.body_part.join(", ")}`);
    }
  }
  if (use.view) warnings.push(`view is not recorded; the model is meant for ${use.view}`);
  if (use.pixel_spacing_mm) {
    const [lo, hi] = use.pixel_spacing_mm;
    const range = `${formatG(lo)}–${formatG(hi)} mm`;
    if (frames.some((f) => f.pixel_spacing === null)) {
      warnings.push(`pixel spacing is unknown; the model is meant for ${range}`);
    } else {
      const worst = frames.flatMap((f) => f.pixel_spacing!).filter((v) => !(lo <= v && v <= hi));
      if (worst.length) {
        const value = worst.reduce((a, v) => (Math.max(lo - v, v - hi) > Math.max(lo - a, a - hi) ? v : a));
        warnings.push(`pixel spacing is ${formatG(value)} mm; the model is meant for ${range}`);
      }
    }
  }
  const problems: string[] = [];
  if (manifest.volume !== null && source.frame_count < 3) {
    problems.push(`the model reads the series as a volume of at least 3 slices; the series has ${source.frame_count}`);
  } else if (use.input === "volume") {
    const needed = Math.max(...manifest.inputs.map((s) => s.slices ?? 1));
    if (source.frame_count < needed) {
      problems.push(`the model reads ${needed} consecutive slices; the series has ${source.frame_count}`);
    }
  }
  return { warnings, problems };
}
