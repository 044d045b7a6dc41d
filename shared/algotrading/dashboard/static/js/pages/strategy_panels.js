// Step 8.2's strategy panels, each from the market route that computes it with the strategy's
// own code: the trend and scalper status tables, the funding scanner, the momentum ranking.

import { h } from "../core/dom.js";
import * as f from "../core/format.js";
import { load, panel } from "../ui/panel.js";
import { createTable } from "../ui/table.js";

function yes(value) {
  return value === null || value === undefined ? "—" : value ? "✔" : "·";
}

function statusPanel(ctx, strategy, title) {
  const box = panel(title, { wide: true, id: `status-${strategy}` });
  load(box, async () => {
    const out = await ctx.api.get(`/api/market/status/${strategy}`);
    const conditions = [...new Set(out.rows.flatMap((r) => Object.keys(r.conditions)))];
    const values = [...new Set(out.rows.flatMap((r) => Object.keys(r.values)))];
    const table = createTable(
      [
        { key: "symbol", label: "Symbol" },
        ...values.map((k) => ({ key: `v.${k}`, label: k, align: "num", value: (r) => r.values[k], render: (r) => f.plain(r.values[k], 2) })),
        ...conditions.map((k) => ({ key: `c.${k}`, label: k, value: (r) => r.conditions[k], render: (r) => yes(r.conditions[k]) })),
        { key: "ready", label: "Ready", value: (r) => (r.entry_long ? "long" : r.entry_short ? "short" : ""), render: (r) => (r.entry_long ? "long" : r.entry_short ? "short" : r.note || "—") },
      ],
      { empty: "No symbol." },
    );
    table.setRows(out.rows);
    box.show(h("p", { class: "muted small" }, `${out.interval} bar closed by ${f.time(out.as_of)}`), table.el);
  });
  return box;
}

function fundingPanel(ctx) {
  const box = panel("Funding rate scanner (carry)", { wide: true, id: "funding-scanner" });
  load(box, async () => {
    const [rates, carry] = await Promise.all([ctx.api.get("/api/market/funding-rates"), ctx.api.get("/api/market/carry").catch(() => null)]);
    const selected = new Set(carry ? carry.selected : []);
    const table = createTable([
      { key: "symbol", label: "Symbol" },
      { key: "current_rate", label: "Current rate", align: "num", render: (r) => f.fraction(r.current_rate, 4) },
      { key: "avg_7d", label: "7d avg", align: "num", render: (r) => f.fraction(r.avg_7d, 4) },
      { key: "zscore_30d", label: "Z-score (30d)", align: "num", render: (r) => f.plain(r.zscore_30d, 2) },
      { key: "annualized", label: "Annualized", align: "num", render: (r) => f.fraction(r.annualized, 1) },
      { key: "selected", label: "Position", value: (r) => selected.has(r.symbol), render: (r) => (selected.has(r.symbol) ? "selected" : "—") },
    ]);
    table.setRows(rates.rates);
    box.show(h("p", { class: "muted small" }, `as of ${f.time(rates.as_of)}`), table.el);
  });
  return box;
}

function rankingPanel(ctx) {
  const box = panel("Momentum ranking", { wide: true, id: "momentum-ranking" });
  const refresh = () => load(box, async () => {
    const out = await ctx.api.get("/api/market/ranking");
    const table = createTable([
      { key: "rank", label: "Rank", align: "num" },
      { key: "symbol", label: "Symbol" },
      { key: "composite", label: "Score", align: "num", render: (r) => f.plain(r.composite, 3) },
      { key: "roc_7", label: "ROC 7d", align: "num", render: (r) => f.fraction(r.roc_7, 1) },
      { key: "roc_14", label: "ROC 14d", align: "num", render: (r) => f.fraction(r.roc_14, 1) },
      { key: "roc_30", label: "ROC 30d", align: "num", render: (r) => f.fraction(r.roc_30, 1) },
    ]);
    table.setRows(out.ranked);
    box.show(h("p", { class: "muted small" }, `daily candles to ${out.last_day}; ${out.excluded.length} excluded`), table.el);
  });
  refresh();
  ctx.onCleanup(ctx.live.on("ranking:update", refresh));
  return box;
}

export function scannerPanels(ctx) {
  return [
    statusPanel(ctx, "trend", "Trend status"),
    statusPanel(ctx, "scalper", "Scalp monitor"),
    fundingPanel(ctx),
    rankingPanel(ctx),
  ];
}
