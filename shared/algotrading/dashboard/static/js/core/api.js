// The one way the pages talk to the API: the bearer token, the account header, the refresh of
// the token before it lapses, and the API's error shape {"error": {code, message, field}}.

import { loadAccount, loadSession, saveAccount, saveSession } from "./storage.js";

/** An answer other than success; `field` names the input at fault, when the API says. */
export class ApiError extends Error {
  constructor(status, code, message, field = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }

  /** The route is not served by this API (not built yet, or 501 where it cannot run). */
  get unavailable() {
    return this.status === 501 || (this.status === 404 && this.message === "Not Found");
  }
}

const REFRESH_MARGIN = 0.8; // refresh when 80 % of the access token's life has passed

export class ApiClient {
  constructor() {
    this.session = loadSession();
    this.accountId = loadAccount();
    this.onSignedOut = () => {};
    this.refreshing = null;
    this.timer = null;
    this.schedule();
  }

  get signedIn() {
    return Boolean(this.session && this.session.refresh_token);
  }

  get user() {
    return this.session ? this.session.user : null;
  }

  get token() {
    return this.session ? this.session.access_token : null;
  }

  setAccount(id) {
    this.accountId = id;
    saveAccount(id);
  }

  /** Sign in; a user with a second factor gets ApiError code `totp_required` first. */
  async login(email, password, totpCode) {
    const body = { email, password };
    if (totpCode) body.totp_code = totpCode;
    const tokens = await this.raw("POST", "/api/auth/login", body, false);
    this.keep(tokens);
    return tokens;
  }

  async logout() {
    const refresh = this.session && this.session.refresh_token;
    this.forget();
    if (refresh) {
      try {
        await this.raw("POST", "/api/auth/logout", { refresh_token: refresh }, false);
      } catch {
        // signed out here either way; the refresh token lapses by itself
      }
    }
  }

  keep(tokens) {
    const now = Date.now();
    this.session = {
      ...tokens,
      expires_at: now + tokens.expires_in * 1000,
      refresh_at: now + tokens.expires_in * 1000 * REFRESH_MARGIN,
    };
    saveSession(this.session);
    this.schedule();
  }

  forget() {
    this.session = null;
    saveSession(null);
    clearTimeout(this.timer);
  }

  schedule() {
    clearTimeout(this.timer);
    if (!this.signedIn) return;
    const wait = Math.max(1000, this.session.refresh_at - Date.now());
    this.timer = setTimeout(() => this.refresh().catch(() => {}), Math.min(wait, 2 ** 31 - 1));
  }

  /** Rotate the tokens (the old refresh token is spent); one refresh at a time. */
  refresh() {
    if (!this.refreshing) {
      const token = this.session && this.session.refresh_token;
      this.refreshing = (async () => {
        try {
          if (!token) throw new ApiError(401, "unauthorized", "signed out");
          this.keep(await this.raw("POST", "/api/auth/refresh", { refresh_token: token }, false));
        } catch (err) {
          if (err instanceof ApiError && err.status === 401) this.expire();
          throw err;
        } finally {
          this.refreshing = null;
        }
      })();
    }
    return this.refreshing;
  }

  expire() {
    this.forget();
    this.onSignedOut("Your session has ended; sign in again.");
  }

  get(path, query) {
    return this.call("GET", withQuery(path, query));
  }

  post(path, body) {
    return this.call("POST", path, body);
  }

  put(path, body) {
    return this.call("PUT", path, body);
  }

  patch(path, body) {
    return this.call("PATCH", path, body);
  }

  del(path) {
    return this.call("DELETE", path);
  }

  /** GET a text body (the stored HTML report). */
  async text(path) {
    const answer = await this.send("GET", path);
    if (!answer.ok) throw await toError(answer);
    return answer.text();
  }

  async call(method, path, body) {
    const answer = await this.send(method, path, body);
    return parse(answer);
  }

  async send(method, path, body) {
    if (this.signedIn && Date.now() >= this.session.refresh_at) {
      await this.refresh().catch(() => {});
    }
    let answer = await this.fetch(method, path, body);
    if (answer.status === 401 && this.signedIn) {
      await this.refresh(); // throws and signs out when the session is over
      answer = await this.fetch(method, path, body);
    }
    return answer;
  }

  fetch(method, path, body) {
    const headers = { Accept: "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (this.accountId) headers["X-Trading-Account-Id"] = String(this.accountId);
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
    return fetch(path, init).catch(() => {
      throw new ApiError(0, "network", "the API cannot be reached");
    });
  }

  async raw(method, path, body) {
    const answer = await fetch(path, {
      method,
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    }).catch(() => {
      throw new ApiError(0, "network", "the API cannot be reached");
    });
    return parse(answer);
  }
}

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function parse(answer) {
  if (!answer.ok) throw await toError(answer);
  if (answer.status === 204) return null;
  return answer.json();
}

async function toError(answer) {
  let detail = {};
  try {
    detail = (await answer.json()).error || {};
  } catch {
    // not the API's shape (a proxy's page): keep the status
  }
  const message = detail.message || `${answer.status} ${answer.statusText}`;
  return new ApiError(answer.status, detail.code || "error", message, detail.field || null);
}
