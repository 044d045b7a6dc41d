// Tab 4, Backtest (reference Phase 10.3): start a single-strategy or portfolio run, follow it
// until it is done, see its figures and trades, and read its report. The report is the HTML
// file the run wrote (one report model, one renderer): fetched with the session's token and
// shown in a sandboxed frame, never re-drawn here.

import { h, toast } from "../core/dom.js";
import * as f from "../core/format.js";
import { badge } from "../ui/cards.js";
import { createForm } from "../ui/form.js";
import { load, panel } from "../ui/panel.js";
import { createTable } from "../ui/table.js";

const POLL_MS = 2000;
const STRATEGIES = ["trend", "scalper", "carry", "momentum"];

export async function renderBacktest(page, ctx) {
  const formBox = panel("New backtest", { id: "backtest-form" });
  const result = panel("Result", { wide: true, id: "backtest-result" });
  const saved = panel("Saved runs", { wide: true, id: "backtest-runs" });
  result.empty("Start a run, or pick a saved one.");
  page.append(h("div", { class: "grid-2" }, formBox.el, result.el), saved.el);
  let timer = null;
  ctx.onCleanup(() => clearTimeout(timer));

  const show = (runId) => {
    clearTimeout(timer);
    const poll = () => load(result, async () => {
      const run = await ctx.api.get(`/api/backtest/${runId}`, { trade_limit: 500 });
      renderRun(ctx, result, run);
      if (run.status === "running") timer = setTimeout(poll, POLL_MS);
      else refreshSaved();
    });
    poll();
  };
  const table = createTable(
    [
      { key: "created", label: "Created", render: (r) => f.time(r.created) },
      { key: "kind", label: "Kind" },
      { key: "strategy", label: "Strategy", render: (r) => r.strategy || "portfolio" },
      { key: "status", label: "Status", render: (r) => badge(r.status) },
      { key: "total_return", label: "Return", align: "num", render: (r) => f.fraction(r.total_return) },
      { key: "sharpe", label: "Sharpe", align: "num", render: (r) => f.plain(r.sharpe, 2) },
      { key: "max_drawdown", label: "Max DD", align: "num", render: (r) => f.fraction(r.max_drawdown) },
      { key: "trades", label: "Trades", align: "num" },
    ],
    { onRow: (r) => show(r.run_id), rowClass: () => "clickable", empty: "No stored run yet." },
  );
  const refreshSaved = () => load(saved, async () => {
    table.setRows((await ctx.api.get("/api/backtest", { limit: 200 })).items);
    saved.show(table.el);
  });

  const form = createForm(
    [
      { name: "kind", label: "Kind", type: "select", options: [["portfolio", "Portfolio (all strategies)"], ["strategy", "One strategy"]], value: "portfolio" },
      { name: "strategy", label: "Strategy", type: "select", options: STRATEGIES, value: "trend" },
      { name: "symbols", label: "Symbols (comma separated; empty: the strategy's)", placeholder: "BTCUSDT, ETHUSDT" },
      { name: "start", label: "Start (UTC date)", type: "date" },
      { name: "end", label: "End (UTC date)", type: "date" },
      { name: "capital", label: "Capital (USDT)", type: "number", value: 10000 },
      { name: "params", label: "Parameter overrides (JSON)", type: "textarea", placeholder: '{"setup_window_bars": 3}' },
    ],
    { submit: "Run backtest", onSubmit: async (v) => {
      const started = await ctx.api.post("/api/backtest", request(v));
      toast(`backtest ${started.run_id} started`, "ok");
      show(started.run_id);
    } },
  );
  form.el.id = "new-backtest";
  formBox.show(form.el);
  refreshSaved();
}

function request(v) {
  const body = { kind: v.kind, capital: v.capital ?? 10000 };
  if (v.kind === "strategy") body.strategy = v.strategy;
  if (v.symbols) body.symbols = v.symbols.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean);
  if (v.start) body.start = Date.parse(`${v.start}T00:00:00Z`);
  if (v.end) body.end = Date.parse(`${v.end}T00:00:00Z`);
  if (v.params) {
    try {
      body.params = JSON.parse(v.params);
    } catch {
      throw Object.assign(new Error("not valid JSON"), { field: "params" });
    }
  }
  return body;
}

function renderRun(ctx, box, run) {
  const head = h("p", { id: "run-status", dataset: { status: run.status } }, badge(run.status), ` ${run.run_id} · ${run.kind}${run.strategy ? ` ${run.strategy}` : ""} · ${f.time(run.start)} → ${f.time(run.end)}`);
  if (run.status === "running") {
    const since = Math.round((Date.now() - f.toMs(run.created)) / 1000);
    return box.show(head, h("div", { class: "progress", role: "progressbar" }, h("span", {})), h("p", { class: "muted" }, `running for ${since} s…`));
  }
  if (run.status === "failed") return box.show(head, h("p", { class: "state error" }, run.error || "the run failed"));
  const m = run.metrics || {};
  const figures = h("div", { class: "metrics", id: "run-metrics" },
    ["total_return", "cagr", "sharpe", "sortino", "max_drawdown", "win_rate", "profit_factor", "trades"].filter((k) => k in m).map((k) => h("div", { class: "metric", dataset: { metric: k } }, h("span", { class: "muted small" }, k), h("strong", {}, ["total_return", "cagr", "max_drawdown", "win_rate"].includes(k) ? f.fraction(m[k]) : f.plain(m[k], 3)))));
  const trades = createTable([
    { key: "symbol", label: "Symbol" },
    { key: "side", label: "Side" },
    { key: "entry_time", label: "Entry", render: (t) => f.time(t.entry_time) },
    { key: "entry_price", label: "Entry price", align: "num", render: (t) => f.plain(t.entry_price) },
    { key: "exit_time", label: "Exit", render: (t) => f.time(t.exit_time) },
    { key: "exit_price", label: "Exit price", align: "num", render: (t) => f.plain(t.exit_price) },
    { key: "pnl", label: "P&L", align: "num", render: (t) => h("span", { class: f.tone(t.pnl) }, f.signedMoney(t.pnl)) },
    { key: "exit_reason", label: "Reason" },
  ], { pageSize: 20, empty: "No trade." });
  trades.setRows(run.trades.items);
  const frame = h("div", { class: "report", id: "run-report" }, run.report_available ? "Loading the report…" : "This run has no report file.");
  box.show(head, figures, h("h3", {}, `Trades (${run.trades.total})`), trades.el, h("h3", {}, "Report"), frame);
  if (run.report_available) showReport(ctx, run.run_id, frame);
}

/** The stored HTML report in a sandboxed frame (scripts run, but not as this origin). */
async function showReport(ctx, runId, holder) {
  try {
    const html = await ctx.api.text(`/api/backtest/${runId}/report`);
    const url = URL.createObjectURL(new Blob([html], { type: "text/html" }));
    holder.replaceChildren(
      h("a", { href: url, target: "_blank", rel: "noopener" }, "Open the report in a new tab"),
      h("iframe", { src: url, sandbox: "allow-scripts", title: `Backtest report ${runId}` }),
    );
  } catch (err) {
    holder.textContent = err.message;
  }
}
