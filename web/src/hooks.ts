// window.lightbox: the hooks the browser tests drive the page with (the web contract,
// docs/web.md). Each does what the reader's click would do, through the same code.
import type { App, RunRequest } from "./app";
import type { BrowserInference } from "./inference/index";
import type { RunResult } from "./types";

export interface LightboxHooks {
  ready: Promise<void>;
  openSeries(seriesUid: string): Promise<void>;
  state(): ReturnType<App["state"]>;
  setFrame(i: number): Promise<void>;
  setWindow(center: number, width: number): void;
  preset(name: string): void;
  runModel(modelId: string, options: RunRequest): Promise<RunResult>;
  readonly inference: BrowserInference;
}

declare global {
  interface Window {
    lightbox?: LightboxHooks;
  }
}

export function installHooks(app: App, ready: Promise<void>): LightboxHooks {
  const hooks: LightboxHooks = {
    ready,
    openSeries: (uid) => app.openSeries(uid),
    state: () => app.state(),
    setFrame: (i) => app.setFrame(i),
    setWindow: (c, w) => app.setWindow(c, w),
    preset: (name) => app.preset(name),
    runModel: (id, options) => app.runModel(id, options ?? { where: "service" }),
    get inference() {
      return app.inference();
    },
  };
  window.lightbox = hooks;
  return hooks;
}
