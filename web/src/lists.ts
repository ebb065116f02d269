// The study list and the series list, from the service (GET /v1/studies,
// GET /v1/studies/{uid}/series): plain buttons, one per row, the chosen one marked.
import { t } from "./i18n";

export interface StudyRow {
  study_uid: string;
  patient: string;
  patient_id: string;
  study_date: string;
  description: string;
  modalities: string[];
  series: number;
  source: string;
}

export interface SeriesRow {
  series_uid: string;
  modality: string;
  description: string;
  body_part: string;
  frames: number;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text = ""): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
}

/** A DICOM date (YYYYMMDD) as YYYY-MM-DD; anything else as it came. */
export function showDate(value: string): string {
  return /^\d{8}$/.test(value) ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}` : value;
}

/** DICOM person names keep "^" between their parts: shown with spaces. */
export function showName(value: string): string {
  return value.replace(/\^+/g, " ").trim();
}

export function renderStudies(list: HTMLElement, studies: StudyRow[],
                              pick: (uid: string, source: string) => void): void {
  list.replaceChildren();
  if (!studies.length) {
    list.append(el("li", "empty", t("No studies on the service.")));
    return;
  }
  for (const s of studies) {
    const button = el("button", "row");
    button.type = "button";
    button.dataset.study = s.study_uid;
    button.dataset.source = s.source || "local";
    const who = [showName(s.patient), s.patient_id].filter(Boolean).join(" · ");
    button.append(
      el("span", "title", s.description || [s.modalities.join(" "), showDate(s.study_date)].filter(Boolean).join(" · ") || s.study_uid),
      el("span", "detail", [showDate(s.study_date), s.modalities.join(" "), who,
                            s.source && s.source !== "local" ? s.source : ""].filter(Boolean).join(" · ")),
    );
    if (s.source && s.source !== "local") {
      button.append(el("span", "detail remote", t("on {}: click to retrieve", s.source)));
    }
    button.addEventListener("click", () => pick(s.study_uid, s.source || "local"));
    const item = el("li", "");
    item.append(button);
    list.append(item);
  }
}

export function renderSeries(list: HTMLElement, series: SeriesRow[], pick: (uid: string) => void): void {
  list.replaceChildren();
  if (!series.length) {
    list.append(el("li", "empty", t("No series in this study.")));
    return;
  }
  for (const s of series) {
    const button = el("button", "row");
    button.type = "button";
    button.dataset.series = s.series_uid;
    button.append(
      el("span", "title", [s.modality, s.description || s.body_part].filter(Boolean).join(" · ")),
      el("span", "detail", `${s.frames} ${t("images")}`),
    );
    button.addEventListener("click", () => pick(s.series_uid));
    const item = el("li", "");
    item.append(button);
    list.append(item);
  }
}

/** Mark the chosen row (aria-current) in a list. */
export function markChosen(list: HTMLElement, attribute: "study" | "series", uid: string): void {
  for (const b of list.querySelectorAll<HTMLButtonElement>("button.row")) {
    if (b.dataset[attribute] === uid) b.setAttribute("aria-current", "true");
    else b.removeAttribute("aria-current");
  }
}
