// Entry point of the web viewer: the page's shell, its words in the reader's language,
// then the lists from the service; window.lightbox once started.
import "./style.css";
import { Api } from "./api";
import { App } from "./app";
import { installHooks } from "./hooks";
import { t, isJapanese } from "./i18n";
import { bindInput } from "./input";

function translateShell(): void {
  document.documentElement.lang = isJapanese() ? "ja" : "en";
  for (const e of document.querySelectorAll<HTMLElement>("[data-i18n]")) {
    e.textContent = t(e.dataset.i18n ?? e.textContent ?? "");
  }
  for (const e of document.querySelectorAll<HTMLElement>("[data-i18n-title]")) {
    e.title = t(e.dataset.i18nTitle ?? "");
  }
}

/** The API key form (#key-form): resolves with the key, or null when cancelled. */
function askKey(why: string): Promise<string | null> {
  const form = document.getElementById("key-form") as HTMLFormElement;
  const input = document.getElementById("api-key") as HTMLInputElement;
  const reason = document.getElementById("key-reason") as HTMLElement;
  reason.textContent = t("The service asks for an API key: {}", why);
  form.hidden = false;
  input.value = "";
  input.focus();
  return new Promise((resolve) => {
    const done = (key: string | null) => {
      form.hidden = true;
      form.removeEventListener("submit", submit);
      cancel.removeEventListener("click", dismiss);
      resolve(key);
    };
    const submit = (e: Event) => { e.preventDefault(); done(input.value.trim() || null); };
    const dismiss = () => done(null);
    const cancel = document.getElementById("key-cancel") as HTMLButtonElement;
    form.addEventListener("submit", submit);
    cancel.addEventListener("click", dismiss);
  });
}

translateShell();
const api = new Api("", askKey);
const app = new App(api);
const canvas = app.viewport.canvas;
bindInput(app, canvas);
new ResizeObserver(() => app.viewport.fitCanvas()).observe(canvas);
app.viewport.fitCanvas();

const slider = document.getElementById("frame-slider") as HTMLInputElement;
slider.addEventListener("input", () => void app.setFrame(Number(slider.value)).catch(() => undefined));
document.getElementById("zoom-in")?.addEventListener("click", () => app.viewport.zoomBy(1.25));
document.getElementById("zoom-out")?.addEventListener("click", () => app.viewport.zoomBy(0.8));
document.getElementById("reset")?.addEventListener("click", () => app.viewport.reset());
document.getElementById("clear-ai")?.addEventListener("click", () => app.clearRuns());
const visible = document.getElementById("ai-visible") as HTMLInputElement;
visible.addEventListener("change", () => {
  if (visible.checked !== app.overlaysVisible) app.toggleOverlays();
});
const opacity = document.getElementById("ai-opacity") as HTMLInputElement;
opacity.addEventListener("input", () => app.setOpacity(Number(opacity.value)));

const pacs = document.getElementById("pacs-form") as HTMLFormElement;
pacs.addEventListener("submit", (e) => {
  e.preventDefault();
  const query = new URLSearchParams();
  for (const [k, v] of new FormData(pacs)) if (String(v).trim()) query.set(k, String(v).trim());
  app.say("");
  void app.listStudies(query).catch((error) => app.fail(error));
});
document.getElementById("pacs-local")?.addEventListener("click", () => {
  app.progress("");
  void app.listStudies().catch((error) => app.fail(error));
});

installHooks(app, app.start());
