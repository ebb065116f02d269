// Mouse, wheel and keys on the image, as common web viewers do: left drag pans, right
// drag (or a left drag with Shift or Ctrl) sets the window (right: wider, down: higher
// level, as the desktop's drag); the wheel scrolls frames, Ctrl+wheel zooms; arrows,
// PageUp/PageDown (a tenth of the stack), Home/End; 1..9 presets, 0 the file's window;
// +/- zoom, R resets the view, A shows or hides the AI overlays (their marking stays).
import type { App } from "./app";
import { dragWindow } from "./display/lut";

export function bindInput(app: App, canvas: HTMLCanvasElement): void {
  let drag: { x: number; y: number; mode: "pan" | "window" } | null = null;
  canvas.addEventListener("contextmenu", (e) => e.preventDefault());
  canvas.addEventListener("pointerdown", (e) => {
    const mode = e.button === 2 || (e.button === 0 && (e.shiftKey || e.ctrlKey)) ? "window" : "pan";
    drag = { x: e.clientX, y: e.clientY, mode };
    canvas.setPointerCapture(e.pointerId);
    canvas.focus();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    drag.x = e.clientX;
    drag.y = e.clientY;
    if (drag.mode === "pan") {
      app.viewport.panBy(dx, dy);
    } else {
      const w = dragWindow(app.viewport.window, dx, dy, Math.max(1, app.viewport.window.width / 256));
      app.setWindow(w.center, w.width);
    }
  });
  const end = () => { drag = null; };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    if (e.ctrlKey || e.metaKey) app.viewport.zoomBy(e.deltaY < 0 ? 1.1 : 1 / 1.1);
    else if (e.deltaY) app.step(e.deltaY > 0 ? 1 : -1);
  }, { passive: false });

  document.addEventListener("keydown", (e) => {
    const target = e.target as HTMLElement | null;
    if (target && (target.tagName === "INPUT" && (target as HTMLInputElement).type !== "range")) return;
    const count = app.series?.frame_count ?? 0;
    const tenth = Math.max(1, Math.round(count / 10));
    const handled = (() => {
      switch (e.key) {
        case "ArrowDown": case "ArrowRight": app.step(1); return true;
        case "ArrowUp": case "ArrowLeft": app.step(-1); return true;
        case "PageDown": app.step(tenth); return true;
        case "PageUp": app.step(-tenth); return true;
        case "Home": app.step(-count); return true;
        case "End": app.step(count); return true;
        case "+": case "=": app.viewport.zoomBy(1.25); return true;
        case "-": app.viewport.zoomBy(0.8); return true;
        case "r": case "R": app.viewport.reset(); return true;
        case "a": case "A": {
          app.toggleOverlays();
          const box = document.getElementById("ai-visible") as HTMLInputElement | null;
          if (box) box.checked = app.overlaysVisible;
          return true;
        }
        default:
          if (/^[0-9]$/.test(e.key) && !e.ctrlKey && !e.altKey && !e.metaKey) {
            app.presetKey(Number(e.key));
            return true;
          }
          return false;
      }
    })();
    if (handled) e.preventDefault();
  });
}
