// A titled box with the states every panel has: loading, content, empty with its reason, the
// API's error, and "not available" when this API does not serve the route (404/501).

import { fill, h } from "../core/dom.js";

export function panel(title, { actions = [], id, wide = false } = {}) {
  const body = h("div", { class: "panel-body" });
  const head = h("div", { class: "panel-head" }, h("h2", {}, title), h("div", { class: "actions" }, actions));
  const el = h("section", { class: `panel${wide ? " wide" : ""}`, id, dataset: { panel: title } }, head, body);
  return {
    el,
    body,
    head,
    loading() {
      fill(body, h("div", { class: "muted state" }, "Loading…"));
    },
    empty(reason) {
      fill(body, h("div", { class: "muted state empty" }, reason));
    },
    show(...children) {
      fill(body, ...children);
    },
    error(err) {
      fill(body, stateOf(err));
    },
  };
}

/** The element that says why a panel has no content. */
export function stateOf(err) {
  if (err && err.unavailable) {
    return h(
      "div",
      { class: "state unavailable", dataset: { state: "unavailable" } },
      h("strong", {}, "Not available"),
      h("span", {}, " — this server does not provide this data yet."),
    );
  }
  const message = err && err.message ? err.message : String(err);
  return h("div", { class: "state error", role: "alert", dataset: { state: "error" } }, message);
}

/** Run `work` and show its result in the panel, or the reason it has none. */
export async function load(box, work) {
  box.loading();
  try {
    await work();
  } catch (err) {
    box.error(err);
    if (!(err && typeof err.status === "number")) console.warn(err); // a page bug, not the API
  }
}
