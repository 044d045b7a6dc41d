// The summary cards: a label, a figure, a line under it, a colour for the figure's sense.

import { h } from "../core/dom.js";

export function card(label, { id } = {}) {
  const value = h("div", { class: "card-value" }, "—");
  const sub = h("div", { class: "card-sub muted" }, "");
  const el = h("div", { class: "card", id, dataset: { card: label } }, h("div", { class: "card-label" }, label), value, sub);
  return {
    el,
    set(figure, line = "", tone = "") {
      value.textContent = figure;
      value.className = `card-value ${tone}`;
      sub.textContent = line;
    },
    flash() {
      el.classList.remove("flash");
      void el.offsetWidth; // restart the animation
      el.classList.add("flash");
    },
  };
}

export function badge(text, kind = text) {
  return h("span", { class: `badge ${String(kind).replace(/[^a-z_]/gi, "")}` }, text);
}
