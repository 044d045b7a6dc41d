// The frame around every tab: the tabs, the account selector (X-Trading-Account-Id of every
// account-scoped call, remembered), the user and role, the live connection's state, sign out.

import { ApiError } from "./core/api.js";
import { fill, h } from "./core/dom.js";
import { TABS } from "./pages/tabs.js";

export class Shell {
  constructor(api, live, rerender) {
    this.api = api;
    this.live = live;
    this.rerender = rerender;
    this.links = new Map();
    this.picker = h("span", { class: "account-picker" });
    this.liveChip = h("span", { class: "chip", id: "live-state", "aria-live": "polite" }, "live: idle");
    this.main = h("main", { id: "main" });
    const user = api.user;
    const nav = h("nav", { class: "tabs", "aria-label": "Tabs" }, TABS.filter((t) => !t.admin || user.role === "admin").map((t) => this.link(t)));
    this.el = h(
      "div",
      { class: "shell" },
      h(
        "header",
        { class: "top" },
        h("a", { class: "brand", href: "#/portfolio" }, "algotrading"),
        this.picker,
        this.liveChip,
        h("span", { class: "user" }, h("span", { id: "user-email" }, user.email), " ", h("span", { class: `badge role ${user.role}`, id: "user-role" }, user.role)),
        h("button", { class: "ghost", id: "sign-out", onclick: () => this.signOut() }, "Sign out"),
      ),
      nav,
      this.main,
    );
    live.onState((state, detail) => {
      this.liveChip.textContent = `live: ${state}${detail ? ` (${detail})` : ""}`;
      this.liveChip.dataset.state = state;
    });
  }

  link(tab) {
    const a = h("a", { href: `#/${tab.name}`, dataset: { tab: tab.name } }, tab.label);
    this.links.set(tab.name, a);
    return a;
  }

  select(name) {
    for (const [key, a] of this.links) a.classList.toggle("active", key === name);
  }

  async start() {
    await this.loadAccounts();
    this.live.start();
  }

  async loadAccounts() {
    try {
      const page = await this.api.get("/api/accounts", { limit: 500 });
      this.accountSelect(page.items);
    } catch (err) {
      if (!(err instanceof ApiError && err.unavailable)) throw err;
      this.accountInput(); // no accounts route on this server: the id is typed
    }
  }

  accountSelect(accounts) {
    const admin = this.api.user.role === "admin";
    if (!accounts.some((a) => a.id === this.api.accountId)) this.api.setAccount(accounts.length ? accounts[0].id : null);
    const select = h(
      "select",
      { id: "account", "aria-label": "Trading account", onchange: () => this.choose(Number(select.value)) },
      accounts.length ? null : h("option", { value: "" }, "no account yet"),
      accounts.map((a) => h("option", { value: a.id, selected: a.id === this.api.accountId }, `${a.name} · ${a.mode}${admin ? ` · ${a.owner_email}` : ""} (#${a.id})`)),
    );
    fill(this.picker, select);
  }

  accountInput() {
    const input = h("input", { id: "account", type: "number", min: 1, value: this.api.accountId || "", "aria-label": "Trading account id", placeholder: "account id" });
    input.addEventListener("change", () => this.choose(Number(input.value) || null));
    fill(this.picker, h("label", { class: "inline" }, "Account #", input));
  }

  choose(id) {
    this.api.setAccount(id);
    if (id) this.live.switchAccount(id);
    else this.live.stop();
    this.rerender();
  }

  async signOut() {
    this.live.stop();
    await this.api.logout();
    location.hash = "#/login";
  }
}
