// A panel that slides over the page (configuration, details); closed by its button or Escape.

import { h } from "../core/dom.js";

export function openDrawer(title, ...content) {
  const close = () => {
    shade.remove();
    document.removeEventListener("keydown", onKey);
  };
  const onKey = (ev) => {
    if (ev.key === "Escape") close();
  };
  const box = h(
    "aside",
    { class: "drawer", role: "dialog", "aria-label": title },
    h("div", { class: "drawer-head" }, h("h2", {}, title), h("button", { class: "ghost", onclick: close, "aria-label": "Close" }, "✕")),
    h("div", { class: "drawer-body" }, content),
  );
  const shade = h("div", { class: "shade", onclick: (ev) => ev.target === shade && close() }, box);
  document.body.append(shade);
  document.addEventListener("keydown", onKey);
  return { close, body: box.querySelector(".drawer-body") };
}
