// Tab 2, Strategies (reference Phase 8): a card per strategy with its status, pause/resume,
// configuration drawer (validated by the API), sparkline, positions and live signal log; then
// the four strategy panels of Step 8.2.

import { h, toast } from "../core/dom.js";
import * as f from "../core/format.js";
import { badge } from "../ui/cards.js";
import { sparkline, toSec } from "../ui/charts.js";
import { openDrawer } from "../ui/drawer.js";
import { createForm } from "../ui/form.js";
import { load, panel } from "../ui/panel.js";
import { scannerPanels } from "./strategy_panels.js";

export async function renderStrategies(page, ctx) {
  if (!ctx.api.accountId) {
    page.append(h("div", { class: "state empty" }, "Choose a trading account in the header."));
    return;
  }
  const box = panel("Strategies", { wide: true, id: "strategies" });
  const holder = h("div", { class: "strategy-cards" });
  page.append(box.el, ...scannerPanels(ctx).map((p) => p.el));
  const refresh = () => load(box, async () => {
    const [list, curve, positions] = await Promise.all([
      ctx.api.get("/api/strategies"),
      ctx.api.get("/api/portfolio/equity-curve", { range: "all" }).catch(() => null),
      ctx.api.get("/api/portfolio/positions", { limit: 500 }).catch(() => null),
    ]);
    holder.replaceChildren(...list.items.map((s) => strategyCard(ctx, s, curve, positions, refresh)));
    box.show(holder);
    const focus = ctx.params.get("focus");
    if (focus) document.getElementById(`strategy-${focus}`)?.scrollIntoView({ block: "start" });
  });
  await refresh();
  ctx.onCleanup(ctx.live.on("strategy:state_change", refresh));
  ctx.onCleanup(ctx.live.on("portfolio:circuit_breaker", refresh));
}

function metric(label, value) {
  return h("div", { class: "metric" }, h("span", { class: "muted small" }, label), h("strong", {}, value));
}

function strategyCard(ctx, s, curve, positions, refresh) {
  const all = (s.metrics || []).find((m) => m.period === "all") || {};
  const paused = s.override === "force_pause" || s.status !== "active";
  const spark = h("div", { class: "spark" });
  const signals = h("ol", { class: "feed signals", dataset: { strategy: s.id } });
  const el = h(
    "article",
    { class: "strategy-card", id: `strategy-${s.id}`, dataset: { strategy: s.id } },
    h("header", {}, h("h3", {}, s.id), badge(s.status), s.override ? badge(s.override, "override") : null, s.enabled ? null : badge("disabled"),
      h("span", { class: "actions" },
        h("button", { class: "primary", dataset: { action: paused ? "resume" : "pause" }, onclick: () => control(ctx, s, paused, refresh) }, paused ? "Resume" : "Pause"),
        h("button", { class: "ghost", dataset: { action: "config" }, onclick: () => configDrawer(ctx, s, refresh) }, "Config"))),
    h("div", { class: "metrics" },
      metric("Allocation", f.pct(s.allocation_pct, 1)), metric("Leverage", f.plain(s.config.leverage ?? s.config.max_leverage)),
      metric("Symbols", s.symbols ? String(s.symbols.length) : "default"), metric("P&L", f.fraction(all.period_return)),
      metric("Max DD", f.fraction(all.max_drawdown)), metric("Sharpe", f.plain(all.sharpe, 2))),
    spark,
    h("div", { class: "small" }, h("strong", {}, "Positions "), positionList(s, positions)),
    h("div", { class: "small" }, h("strong", {}, "Signal log"), signals),
  );
  const series = curve && curve.series.find((c) => c.scope === s.id);
  if (series && series.points.length > 1) {
    requestAnimationFrame(() => sparkline(spark, series.points.map((p) => ({ time: toSec(f.toMs(p.time)), value: f.num(p.equity) }))));
  } else {
    spark.append(h("span", { class: "muted small" }, curve ? "No equity snapshots yet." : "Equity curve not available."));
  }
  signalLog(ctx, s.id, signals);
  return el;
}

function positionList(s, positions) {
  if (!positions) return h("span", { class: "muted" }, `${s.open_trades} open, ${s.paper_trades} paper`);
  const mine = positions.items.filter((p) => p.strategy === s.id);
  if (!mine.length) return h("span", { class: "muted" }, "none open");
  return h("ul", {}, mine.map((p) => h("li", {}, `${p.symbol} ${p.side} ${f.plain(p.qty)} @ ${f.plain(p.entry_price)}${p.is_paper ? " (paper)" : ""}`)));
}

function signalLine(sig) {
  return h("li", { dataset: { decision: sig.decision } }, h("span", { class: "muted" }, f.time(sig.bar_close_ms ?? sig.time_ms)), ` ${sig.symbol} ${sig.action} `, badge(sig.decision), sig.reason ? h("span", { class: "muted" }, ` ${sig.reason}`) : null);
}

function signalLog(ctx, id, list) {
  ctx.api.get(`/api/strategies/${id}/signals`, { limit: 15 }).then(
    (page) => list.replaceChildren(...(page.items.length ? page.items.map(signalLine) : [h("li", { class: "muted" }, "No decision recorded yet.")])),
    (err) => list.replaceChildren(h("li", { class: "muted" }, err.unavailable ? "Signal log not available." : err.message)),
  );
  ctx.onCleanup(ctx.live.on("strategy:signal", (msg) => {
    if (msg.data.strategy !== id) return;
    list.prepend(signalLine({ ...msg.data, time_ms: msg.time_ms }));
    while (list.children.length > 30) list.lastChild.remove();
  }));
}

/** Pause or resume, with the reason the audit keeps (required to resume). */
function control(ctx, s, paused, refresh) {
  const verb = paused ? "resume" : "pause";
  const drawer = openDrawer(`${paused ? "Resume" : "Pause"} ${s.id}`);
  const form = createForm([{ name: "reason", label: paused ? "Reason (required)" : "Reason (optional)", value: paused ? "" : "paused from the dashboard" }], {
    submit: paused ? "Resume" : "Pause",
    onSubmit: async (values) => {
      const body = values.reason ? { reason: values.reason } : paused ? { reason: "" } : undefined;
      const out = await ctx.api.post(`/api/strategies/${s.id}/${verb}`, body);
      drawer.close();
      toast(`${s.id}: ${out.status}`, "ok");
      refresh();
    },
  });
  form.el.id = "control-form";
  drawer.body.append(form.el);
}

function configDrawer(ctx, s, refresh) {
  const params = Object.entries(s.config).filter(([, v]) => ["number", "string", "boolean"].includes(typeof v));
  const fields = [
    { name: "enabled", label: "Enabled", type: "checkbox", value: s.enabled },
    { name: "symbols", label: "Symbols (comma separated; empty: the default universe)", value: (s.symbols || []).join(", ") },
    ...params.map(([k, v]) => ({ name: `params.${k}`, label: k, type: typeof v === "number" ? "number" : typeof v === "boolean" ? "checkbox" : "text", value: v })),
  ];
  const drawer = openDrawer(`Configure ${s.id}`);
  const form = createForm(fields, {
    onSubmit: async (values) => {
      const changed = { ...s.overrides };
      for (const [k, v] of params) {
        const now = values[`params.${k}`];
        if (now !== null && now !== v) changed[k] = now;
      }
      const symbols = values.symbols ? values.symbols.split(",").map((x) => x.trim().toUpperCase()).filter(Boolean) : null;
      await ctx.api.put(`/api/strategies/${s.id}/config`, { params: changed, symbols, enabled: values.enabled });
      drawer.close();
      toast(`${s.id}: configuration saved`, "ok");
      refresh();
    },
  });
  drawer.body.append(form.el);
}
