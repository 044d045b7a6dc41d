// The live events of the selected account over `/api/ws`: authenticate with the first message
// (never a token in the URL), catch up by `after_id` after a drop, reconnect with a growing
// backoff, and switch accounts on the open socket. Pages subscribe by event type.

const PING_MS = 25000;
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000];
const STOP_CODES = new Set([4400, 4404]); // a refusal that a retry cannot fix

export class LiveClient {
  constructor(api) {
    this.api = api;
    this.ws = null;
    this.lastId = null;
    this.attempt = 0;
    this.handlers = new Map();
    this.stateHandlers = new Set();
    this.state = "idle";
    this.detail = "";
    this.timers = { retry: null, ping: null };
    this.wanted = false;
  }

  /** Subscribe to one event type ("*" for all); returns the unsubscribe function. */
  on(type, handler) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(handler);
    return () => this.handlers.get(type).delete(handler);
  }

  onState(handler) {
    this.stateHandlers.add(handler);
    handler(this.state, this.detail);
    return () => this.stateHandlers.delete(handler);
  }

  setState(state, detail = "") {
    this.state = state;
    this.detail = detail;
    for (const handler of this.stateHandlers) handler(state, detail);
  }

  start() {
    this.wanted = true;
    if (!this.ws) this.connect();
  }

  stop() {
    this.wanted = false;
    clearTimeout(this.timers.retry);
    clearInterval(this.timers.ping);
    if (this.ws) this.ws.close(1000);
    this.ws = null;
    this.lastId = null;
    this.setState("idle");
  }

  switchAccount(accountId) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.state === "live") {
      this.ws.send(JSON.stringify({ type: "switch_account", account_id: accountId }));
    } else if (this.wanted) {
      this.reconnectNow();
    }
  }

  reconnectNow() {
    clearTimeout(this.timers.retry);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.close(1000);
      this.ws = null;
    }
    this.connect();
  }

  connect() {
    if (!this.api.accountId || !this.api.token) {
      this.setState("idle", "choose an account");
      return;
    }
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/api/ws`);
    this.ws = ws;
    this.setState("connecting");
    ws.onopen = () => ws.send(JSON.stringify(this.hello()));
    ws.onmessage = (msg) => this.receive(msg.data);
    ws.onclose = (ev) => this.closed(ws, ev.code, ev.reason);
  }

  hello() {
    const hello = { type: "auth", token: this.api.token, account_id: this.api.accountId };
    if (this.lastId !== null) hello.after_id = this.lastId;
    return hello;
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (message.type === "ready") {
      this.attempt = 0;
      this.setState("live", `account ${message.account_id}`);
      clearInterval(this.timers.ping);
      this.timers.ping = setInterval(() => this.send({ type: "ping" }), PING_MS);
      return;
    }
    if (message.type === "pong") return;
    if (message.type === "error") {
      this.detail = message.message;
      return;
    }
    if (typeof message.id === "number") this.lastId = Math.max(this.lastId || 0, message.id);
    for (const key of [message.type, "*"]) {
      for (const handler of this.handlers.get(key) || []) handler(message);
    }
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  async closed(ws, code, reason) {
    if (ws !== this.ws) return;
    clearInterval(this.timers.ping);
    this.ws = null;
    if (!this.wanted) return;
    if (STOP_CODES.has(code)) {
      this.setState("refused", reason || this.detail || `closed (${code})`);
      return;
    }
    if (code === 4401) {
      try {
        await this.api.refresh();
      } catch {
        this.setState("refused", "signed out");
        return;
      }
    }
    const wait = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.setState("offline", `reconnecting in ${Math.round(wait / 1000)} s`);
    this.timers.retry = setTimeout(() => this.connect(), wait);
  }
}
