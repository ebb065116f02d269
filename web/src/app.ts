// The page's controller: lists → series → frames on the viewport, window presets, the
// models panel and the AI results, the message line. Every failure ends in #message and
// leaves the page as it was (nothing half-drawn is shown as a result).
import { Api, Problem, messageOf } from "./api";
import { aiTitle, frameOverlay, ModelLabels, whereText, type ShownRun } from "./ai";
import { runResultOf } from "./arrays";
import { Viewport, type FrameVoi } from "./display/canvas";
import { rangeWindow, voiLutWindow, type Window } from "./display/lut";
import { MASK_OPACITY } from "./display/overlay";
import { t } from "./i18n";
import { browserInference, type Backend, type BrowserInference } from "./inference/index";
import { markChosen, renderSeries, renderStudies, type SeriesRow, type StudyRow } from "./lists";
import { renderModels, type ModelRow, type Where } from "./models";
import { SeriesFrames, type Preset, type SeriesInfo } from "./series";
import type { RunResult } from "./types";

export interface RunRequest {
  where: Where;
  backend?: Backend;
  frames?: number[];
  accept_warnings?: boolean;
}

/** Frame ``i``'s display transform as the series JSON gives it (viewer.imaging.lut's
 * PixelTransform: VOI function, the file's window, the first VOI LUT). */
function frameVoi(info: SeriesInfo, i: number): FrameVoi {
  const meta = info.frames[i];
  const lut = meta?.voi_lut != null ? info.voi_luts?.[meta.voi_lut] ?? null : null;
  return { fn: meta?.voi_function ?? "LINEAR", window: meta?.window ?? null, lut };
}

function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
}

export class App {
  readonly api: Api;
  readonly viewport: Viewport;
  series: SeriesFrames | null = null;
  frameIndex = 0;
  fileWindow: Window | null = null;
  private windowFromFrame = false; // no window yet: the next frame shown gives its range
  runs: ShownRun[] = [];
  /** The volume run in progress (opening another series stops it). */
  volumeRun: AbortController | null = null;
  /** The AI layer's opacity (masks; heatmaps follow) and whether it is drawn (A toggles:
   * the marking stays, as on the desktop). */
  opacity = MASK_OPACITY;
  overlaysVisible = true;
  /** The reader asked to see names where the site hides them (its rule permitting). */
  showIdentity = false;
  /** The last study search (null: the service's own studies). */
  lastQuery: URLSearchParams | null = null;
  models: ModelRow[] = [];
  private readonly labels: ModelLabels;
  private inferenceApi: BrowserInference | null = null;
  private shown = 0; // bumps on every frame request: a late frame never replaces a newer one
  private opening = 0; // the same for series

  constructor(api: Api) {
    this.api = api;
    this.labels = new ModelLabels(api);
    this.viewport = new Viewport(byId<HTMLCanvasElement>("image"));
  }

  // --- the message line ----------------------------------------------------------------

  say(text: string, actions: { label: string; run: () => void }[] = []): void {
    const line = byId("message");
    const span = document.createElement("span");
    span.className = "text";
    span.textContent = text;
    line.replaceChildren(span);
    for (const a of actions) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = a.label;
      b.addEventListener("click", () => a.run());
      line.append(" ", b);
    }
    line.title = text;
    line.hidden = !text;
  }

  message(): string {
    return byId("message").querySelector(".text")?.textContent ?? "";
  }

  fail(error: unknown): void {
    this.say(messageOf(error));
  }

  progress(text: string): void {
    byId("progress").textContent = text;
  }

  // --- lists ---------------------------------------------------------------------------

  async start(): Promise<void> {
    const studies = this.listStudies().then(async (rows) => {
      if (rows.length) await this.openStudy(rows[0].study_uid);
    });
    const models = this.api.json<{ models: ModelRow[] }>("/v1/models").then((answer) => {
      this.models = answer.models;
      renderModels(byId("models"), answer.models, (id, where) => void this.runModel(id, { where }).catch(() => undefined));
    });
    const outcomes = await Promise.allSettled([studies, models]);
    const failed = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult | undefined;
    if (failed) this.fail(failed.reason);
  }

  /** The studies on the service (no query), or a PACS node's answer to a search; names
   * shown where the site hides them only when the reader asked (``showIdentity``). */
  async listStudies(query?: URLSearchParams): Promise<StudyRow[]> {
    const params = new URLSearchParams(query);
    if (this.showIdentity) params.set("show_identity", "true");
    const answer = await this.api.json<{ studies: StudyRow[]; nodes?: string[]; identity_hidden?: boolean; more?: boolean }>(
      "/v1/studies" + (params.toString() ? `?${params}` : ""));
    renderStudies(byId("study-list"), answer.studies,
                  (uid, source) => void this.openStudy(uid, source).catch((e) => this.fail(e)));
    if (answer.identity_hidden || this.showIdentity) {
      byId("identity").hidden = false;
      byId<HTMLInputElement>("hide-identity").checked = Boolean(answer.identity_hidden);
    }
    if (query) {
      this.progress(t("On {}: {} studies found", query.get("source") ?? "", answer.studies.length)
        + (answer.more ? " " + t("(more on the node: narrow the search)") : ""));
    }
    if (Array.isArray(answer.nodes)) { // the site's PACS nodes, where the service names them
      byId("pacs").hidden = answer.nodes.length === 0;
      // A list of the node names to choose from instead of a name to type (the typed field
      // stays for a service that does not name them).
      const select = byId<HTMLSelectElement>("pacs-node");
      const typed = byId<HTMLInputElement>("pacs-node-typed");
      const chosen = select.value;
      select.replaceChildren(...answer.nodes.map((n) => {
        const option = document.createElement("option");
        option.value = option.textContent = String(n);
        return option;
      }));
      if (answer.nodes.includes(chosen)) select.value = chosen;
      const offered = answer.nodes.length > 0;
      select.hidden = select.disabled = !offered;
      typed.hidden = typed.disabled = offered;
    }
    return answer.studies;
  }

  /** A local study's series; a PACS node's study is retrieved first (it is then local). */
  async openStudy(studyUid: string, source = "local"): Promise<void> {
    if (source !== "local") {
      this.say("");
      this.progress(t("Retrieving the study from {}…", source));
      const got = await this.api.json<{ images: number }>(
        `/v1/studies/${encodeURIComponent(studyUid)}/retrieve?node=${encodeURIComponent(source)}`,
        { method: "POST" });
      this.lastQuery = null; // the list is the service's own again, the study in it
      await this.listStudies();
      this.progress(t("Study received from {}: {} images", source, got.images));
    }
    markChosen(byId("study-list"), "study", studyUid);
    const answer = await this.api.json<{ series: SeriesRow[] }>(`/v1/studies/${encodeURIComponent(studyUid)}/series`);
    renderSeries(byId("series-list"), answer.series, (uid) => void this.openSeries(uid).catch(() => undefined));
  }

  // --- the series ----------------------------------------------------------------------

  async openSeries(seriesUid: string): Promise<void> {
    this.say("");
    const ticket = ++this.opening; // a later choice wins, whichever answer comes first
    try {
      const info = await this.api.json<SeriesInfo>(`/v1/series/${encodeURIComponent(seriesUid)}`);
      if (!Array.isArray(info.frames) || !info.frames.length) {
        throw new Problem(0, "empty_series", `Series ${seriesUid} has no images to show.`);
      }
      const frames = new SeriesFrames(this.api, info, (loaded, total, failed, idle) => {
        if (this.series !== frames || this.volumeRun) return; // a volume run says its own
        this.progress(!idle ? t("Loading {} / {} images", loaded, total)
          : loaded + failed < total ? t("{} / {} images kept in memory (the nearest)", loaded, total)
            : t("{} images loaded", loaded) + (failed ? ` (${failed} ✗)` : ""));
        this.updateSlider();
      });
      let first: Awaited<ReturnType<SeriesFrames["frame"]>> | null = null;
      let unreadable: unknown = null;
      try {
        first = await frames.frame(0);
      } catch (error) {
        // a damaged first image: the series opens empty with the reason (its other images
        // are reached by scrolling), never under the last series' image
        if (!(error instanceof Problem) || error.reason !== "unreadable_image") {
          frames.close();
          throw error;
        }
        unreadable = error;
      }
      if (ticket !== this.opening) {
        frames.close();
        return;
      }
      this.series?.close();
      this.volumeRun?.abort(); // a volume run on the series left behind stops there
      this.series = frames;
      byId("hint").hidden = true;
      this.runs = [];
      this.frameIndex = 0;
      const meta = info.frames[0];
      const voi = frameVoi(info, 0);
      this.fileWindow = info.samples === 3 || first?.samples === 3 ? { center: 128, width: 256 }
        : meta.window ?? (voi.lut ? voiLutWindow(voi.lut) : first ? rangeWindow(first.values) : null);
      this.windowFromFrame = this.fileWindow === null; // the first readable frame gives it
      if (this.fileWindow) this.viewport.window = this.fileWindow;
      this.viewport.voi = voi;
      this.viewport.invert = String(info.photometric).toUpperCase() === "MONOCHROME1";
      this.viewport.zoom = 1;
      this.viewport.pan = [0, 0];
      if (first) this.viewport.show(first, meta.orientation, info.frames.length);
      else this.viewport.clear();
      this.refreshOverlay();
      this.renderPresets(info.presets ?? []);
      this.updateSlider();
      markChosen(byId("series-list"), "series", seriesUid);
      frames.prefetch(0);
      if (unreadable) throw unreadable;
    } catch (error) {
      if (ticket === this.opening) this.fail(error);
      throw error;
    }
  }

  updateSlider(): void {
    const slider = byId<HTMLInputElement>("frame-slider");
    const count = this.series?.frame_count ?? 1;
    slider.max = String(Math.max(0, count - 1));
    slider.value = String(this.frameIndex);
    slider.disabled = count <= 1;
  }

  async setFrame(index: number): Promise<void> {
    const series = this.series;
    if (!series) return;
    const i = Math.min(Math.max(Math.round(index), 0), series.frame_count - 1);
    this.frameIndex = i;
    this.updateSlider();
    const ticket = ++this.shown;
    try {
      const pixels = await series.frame(i);
      if (ticket !== this.shown || this.series !== series) return;
      this.viewport.voi = frameVoi(series.info, i);
      if (this.windowFromFrame && pixels.samples === 1) {
        this.windowFromFrame = false; // the series' first image was unreadable
        this.fileWindow = rangeWindow(pixels.values);
        this.viewport.window = this.fileWindow;
      }
      this.viewport.show(pixels, series.info.frames[i]?.orientation ?? null, series.frame_count);
      this.refreshOverlay();
      series.prefetch(i);
    } catch (error) {
      if (ticket === this.shown && this.series === series) {
        this.viewport.clear(); // the slider says frame i: never show another in its place
        this.fail(error);
      }
      throw error;
    }
  }

  step(delta: number): void {
    void this.setFrame(this.frameIndex + delta).catch(() => undefined);
  }

  setWindow(center: number, width: number): void {
    if (this.viewport.pixels?.samples === 3) return; // RGB is shown as is
    this.viewport.setWindow({ center, width: Math.max(1, width) });
  }

  presets(): Preset[] {
    return this.series?.info.presets ?? [];
  }

  preset(name: string): void {
    const found = this.presets().find((p) => p.name.toLowerCase() === name.toLowerCase());
    if (!found) {
      const error = new Error(`No window preset named ${name} for this series (${this.presets().map((p) => p.name).join(", ") || "none"}).`);
      this.fail(error);
      throw error;
    }
    this.setWindow(found.center, found.width);
  }

  /** Keys 1..9: the preset the service gives that key (the desktop's: the presets file's
   * `key`, else the place among the site's presets; the file's own windows have none);
   * 0: the file's own window. */
  presetKey(n: number): void {
    if (n === 0) {
      if (this.fileWindow) this.setWindow(this.fileWindow.center, this.fileWindow.width);
      return;
    }
    const found = this.presets().find((p) => p.key === n);
    if (found) this.setWindow(found.center, found.width);
  }

  private renderPresets(presets: Preset[]): void {
    const bar = byId("presets");
    bar.replaceChildren();
    if (this.viewport.pixels?.samples === 3) return; // RGB is shown as is: no window
    const add = (label: string, title: string, apply: () => void) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.title = title;
      b.dataset.preset = label;
      b.addEventListener("click", apply);
      bar.append(b);
    };
    add(t("File window"), "0", () => this.presetKey(0));
    presets.forEach((p) => {
      const key = p.key ?? null;
      add(p.name, `${key != null && key <= 9 ? `${key}: ` : ""}W ${p.width} L ${p.center}`,
          () => this.setWindow(p.center, p.width));
    });
  }

  // --- AI ------------------------------------------------------------------------------

  inference(): BrowserInference {
    if (!this.inferenceApi) this.inferenceApi = browserInference();
    return this.inferenceApi;
  }

  async runModel(modelId: string, request: RunRequest): Promise<RunResult> {
    const series = this.series;
    const model = this.models.find((m) => m.id === modelId);
    const title = model ? `${model.name} ${model.version}` : modelId;
    if (!series) {
      const error = new Error("Open a series first, then run a model on it.");
      this.fail(error);
      throw error;
    }
    this.say("");
    this.progress(t("Running AI · {}…", title));
    try {
      let run: RunResult;
      if (request.where === "service") {
        const query = new URLSearchParams({ model: modelId, accept_warnings: String(Boolean(request.accept_warnings)) });
        if (request.frames) query.set("frames", request.frames.join(","));
        const body = await this.api.json<unknown>(
          `/v1/series/${encodeURIComponent(series.series_uid)}/run?${query}`, { method: "POST" });
        run = runResultOf(body);
      } else {
        const frames = request.frames ?? Array.from({ length: series.frame_count }, (_, i) => i);
        const stop = new AbortController();
        try {
          run = await this.inference().run(modelId, series, {
            frames, backend: request.backend, accept_warnings: request.accept_warnings, signal: stop.signal,
            progress: (done, total) => { // a volume model: frames read, then patches run
              this.volumeRun = stop;
              if (this.series === series) this.progress(`${t("Running AI · {}…", title)} ${Math.floor((100 * done) / Math.max(total, 1))} %`);
            },
          });
        } finally {
          if (this.volumeRun === stop) this.volumeRun = null;
        }
      }
      if (this.series !== series) throw new Error(`AI · ${title}: another series was opened meanwhile; its result is not shown.`);
      const labels = await this.labels.of(modelId);
      this.runs = [...this.runs.filter((r) => r.run.model.id !== run.model.id), { run, labels }];
      this.refreshOverlay();
      this.progress(`${aiTitle(run)} · ${whereText(run.where)}`);
      return run;
    } catch (error) {
      this.progress("");
      const warnings = error instanceof Problem ? error.warnings
        : Array.isArray((error as { warnings?: unknown }).warnings) ? (error as { warnings: string[] }).warnings : [];
      const text = t("AI · {} failed: {}", title, messageOf(error));
      if (warnings.length && !request.accept_warnings) {
        this.say(`${t("Outside the model's intended use")}: ${warnings.join("; ")}`, [
          { label: t("Run anyway"), run: () => void this.runModel(modelId, { ...request, accept_warnings: true }).catch(() => undefined) },
          { label: t("Don't run"), run: () => this.say("") },
        ]);
      } else {
        this.say(text);
      }
      throw new Error(this.message());
    }
  }

  toggleOverlays(): void {
    this.overlaysVisible = !this.overlaysVisible;
    this.refreshOverlay();
  }

  setOpacity(opacity: number): void {
    this.opacity = Math.min(Math.max(opacity, 0), 1);
    this.refreshOverlay();
  }

  clearRuns(): void {
    this.runs = [];
    this.refreshOverlay();
  }

  /** Redraw the AI layer, the marking and the demonstration banner for the frame shown. */
  refreshOverlay(): void {
    const p = this.viewport.pixels;
    const label = byId("ai-label");
    const banner = byId("demo-banner");
    const text = byId("ai-text");
    label.replaceChildren();
    for (const { run } of this.runs) {
      const line = document.createElement("div");
      line.className = "ai-run";
      line.dataset.model = run.model.id;
      const name = document.createElement("span");
      name.className = "ai-title";
      name.textContent = aiTitle(run);
      const where = document.createElement("span");
      where.className = "ai-where";
      where.textContent = whereText(run.where);
      line.append(name, " · ", where);
      if (run.warnings_accepted.length) {
        const warn = document.createElement("span");
        warn.className = "ai-warn";
        warn.textContent = ` · ⚠ ${t("Outside the model's intended use")}: ${run.warnings_accepted.join("; ")}`;
        line.append(warn);
      }
      label.append(line);
    }
    if (this.runs.length && !this.overlaysVisible) {
      const hidden = document.createElement("div");
      hidden.className = "ai-hidden";
      hidden.textContent = t("AI results hidden · press A to show");
      label.append(hidden);
    }
    label.hidden = this.runs.length === 0;
    byId("ai-controls").hidden = this.runs.length === 0;
    banner.hidden = !this.runs.some((r) => r.run.model.not_for_clinical_use);
    if (!p || !this.series) {
      text.replaceChildren();
      this.viewport.setOverlay(null, []);
      return;
    }
    const shown = this.overlaysVisible ? this.runs : [];
    const drawn = frameOverlay(shown, this.frameIndex, p.sop_instance_uid, p.rows, p.columns,
                               this.opacity, this.opacity);
    const legend = document.createElement("div");
    legend.className = "ai-legend";
    for (const item of drawn.legend) {
      const entry = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = `rgb(${item.color.join(",")})`;
      entry.append(swatch, item.name);
      legend.append(entry);
    }
    text.replaceChildren(...drawn.lines.map((l) => {
      const d = document.createElement("div");
      d.textContent = l;
      return d;
    }), ...(drawn.legend.length ? [legend] : []));
    this.viewport.setOverlay(drawn.layer, drawn.boxes);
  }

  /** The page's state as the test hooks report it. */
  state() {
    const v = this.viewport;
    return {
      series_uid: this.series?.series_uid ?? null,
      frame_index: this.frameIndex,
      frame_count: this.series?.frame_count ?? 0,
      window: { center: v.window.center, width: v.window.width },
      zoom: v.zoom,
      pan: [v.pan[0], v.pan[1]] as [number, number],
      overlays: this.runs.map(({ run }) => ({ model_id: run.model.id, label: aiTitle(run), where: whereText(run.where) })),
      message: this.message(),
    };
  }
}
