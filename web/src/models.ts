// The models panel (#models): GET /v1/models, and for each model verified on the service a
// "Run in browser" and a "Run on service" button ([data-model=ID][data-where=...]). A
// model the service refused is listed with its reason, without buttons.
import { t } from "./i18n";

export interface ModelRow {
  id: string;
  name: string;
  version: string;
  digest: string | null;
  verified: boolean;
  reason?: string;
  provider?: string;
  outputs?: string[];
  intended_use?: { modality?: string[]; body_part?: string[]; input?: string } | null;
}

export type Where = "browser" | "service";

export function renderModels(panel: HTMLElement, models: ModelRow[], run: (id: string, where: Where) => void): void {
  panel.replaceChildren();
  if (!models.length) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = t("No AI models are installed.");
    panel.append(p);
    return;
  }
  for (const m of models) {
    const row = document.createElement("div");
    row.className = "model";
    row.dataset.modelRow = m.id;
    const title = document.createElement("div");
    title.className = "title";
    title.textContent = `${m.name} ${m.version}`;
    row.append(title);
    const use = m.intended_use;
    if (use && (use.modality?.length || use.body_part?.length)) {
      const detail = document.createElement("div");
      detail.className = "detail";
      detail.textContent = [...(use.modality ?? []), ...(use.body_part ?? [])].join(" · ");
      row.append(detail);
    }
    if (m.verified) {
      const buttons = document.createElement("div");
      buttons.className = "buttons";
      for (const where of ["browser", "service"] as Where[]) {
        const b = document.createElement("button");
        b.type = "button";
        b.dataset.model = m.id;
        b.dataset.where = where;
        b.textContent = where === "browser" ? t("Run in browser") : t("Run on service");
        b.addEventListener("click", () => run(m.id, where));
        buttons.append(b);
      }
      row.append(buttons);
    } else {
      const why = document.createElement("div");
      why.className = "refused";
      why.textContent = t("not verified: {}", m.reason || "—");
      row.append(why);
    }
    panel.append(row);
  }
}
