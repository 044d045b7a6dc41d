// The page's entry: the hash router between the login page and the tabs, and the pieces every
// page shares (the API client, the live client, the header).

import { ApiClient } from "./core/api.js";
import { fill, h } from "./core/dom.js";
import { LiveClient } from "./core/live.js";
import { renderLogin } from "./pages/login.js";
import { TABS } from "./pages/tabs.js";
import { Shell } from "./shell.js";

const api = new ApiClient();
const live = new LiveClient(api);
const root = document.getElementById("app");
let shell = null;
let cleanups = [];
let notice = "";

api.onSignedOut = (message) => {
  notice = message;
  live.stop();
  shell = null;
  location.hash = "#/login";
  route();
};

function parseHash() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  return { name: path || "portfolio", params: new URLSearchParams(query) };
}

function teardown() {
  for (const undo of cleanups) undo();
  cleanups = [];
}

async function route() {
  teardown();
  const { name, params } = parseHash();
  if (!api.signedIn || name === "login") {
    shell = null;
    live.stop();
    renderLogin(root, api, notice, () => {
      notice = "";
      location.hash = "#/portfolio";
    });
    return;
  }
  if (!shell) {
    shell = new Shell(api, live, () => route());
    fill(root, shell.el);
    await shell.start();
  }
  const tab = TABS.find((t) => t.name === name && (!t.admin || api.user.role === "admin")) || TABS[0];
  shell.select(tab.name);
  const ctx = { api, live, params, onCleanup: (fn) => cleanups.push(fn), navigate: (hash) => (location.hash = hash) };
  const page = h("div", { class: "page", dataset: { page: tab.name } });
  fill(shell.main, page);
  try {
    await tab.render(page, ctx);
  } catch (err) {
    fill(page, h("div", { class: "state error", role: "alert" }, err.message));
    if (typeof err.status !== "number") console.warn(err);
  }
}

window.addEventListener("hashchange", route);
route();
