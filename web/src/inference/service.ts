// The service's model files, fetched from the page's own origin with the page's API key
// (sessionStorage "lightbox.api_key", Authorization: Bearer) and checked against the
// manifest before anything reads them.

export interface ServiceOptions {
  /** Origin and path the /v1 API lives under ("" = this page's origin). */
  base?: string;
  /** The Authorization header's value, or null for none (default: "Bearer " + the key
   * the page keeps in sessionStorage under "lightbox.api_key"). */
  authorization?: () => string | null;
}

export class ServiceError extends Error {
  constructor(message: string, readonly status: number, readonly reason: string) { super(message); }
}

export function defaultAuthorization(): string | null {
  try {
    const key = globalThis.sessionStorage?.getItem("lightbox.api_key");
    return key ? `Bearer ${key}` : null;
  } catch {
    return null;
  }
}

export class Service {
  readonly base: string;
  private readonly authorization: () => string | null;

  constructor(options: ServiceOptions = {}) {
    this.base = (options.base ?? "").replace(/\/$/, "");
    this.authorization = options.authorization ?? defaultAuthorization;
  }

  async get(path: string): Promise<Response> {
    const headers: Record<string, string> = {};
    const auth = this.authorization();
    if (auth) headers.Authorization = auth;
    const response = await fetch(this.base + path, { headers });
    if (!response.ok) {
      let detail = `${response.status} ${response.statusText}`, reason = "http_error";
      try {
        const problem = await response.json() as { detail?: string; reason?: string };
        detail = problem.detail ?? detail;
        reason = problem.reason ?? reason;
      } catch { /* not Problem JSON */ }
      throw new ServiceError(detail, response.status, reason);
    }
    return response;
  }

  async json<T>(path: string): Promise<T> {
    return (await this.get(path)).json() as Promise<T>;
  }

  async bytes(path: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.get(path)).arrayBuffer());
  }

  file(modelId: string, name: string): Promise<Uint8Array> {
    return this.bytes(`/v1/models/${encodeURIComponent(modelId)}/files/${name.split("/").map(encodeURIComponent).join("/")}`);
  }
}
