// The Portfolio tab's panels below the cards: equity curve (ranges, per-strategy lines,
// drawdown), allocation bars, the open positions table and the recent trades feed.

import { h } from "../core/dom.js";
import * as f from "../core/format.js";
import { badge } from "../ui/cards.js";
import { chartBox, equityChart, toSec } from "../ui/charts.js";
import { openDrawer } from "../ui/drawer.js";
import { load, panel } from "../ui/panel.js";
import { createTable } from "../ui/table.js";

const RANGES = ["1d", "1w", "1m", "3m", "all"];

export function curvePanel(ctx) {
  let range = "all";
  let perStrategy = false;
  let chart = null;
  let last = null;
  const buttons = RANGES.map((r) => h("button", { class: `ghost${r === range ? " on" : ""}`, dataset: { range: r }, onclick: () => pick(r) }, r.toUpperCase()));
  const toggle = h("button", { class: "ghost", id: "per-strategy", onclick: () => { perStrategy = !perStrategy; toggle.classList.toggle("on", perStrategy); draw(); } }, "Per strategy");
  const box = panel("Equity curve", { wide: true, id: "equity-curve", actions: [...buttons, toggle] });
  const pick = (r) => {
    range = r;
    buttons.forEach((b) => b.classList.toggle("on", b.dataset.range === r));
    fetchCurve();
  };
  function draw() {
    if (!last) return;
    const wanted = last.series.filter((s) => (perStrategy ? s.scope !== "portfolio" : s.scope === "portfolio"));
    const series = wanted.map((s) => ({ name: s.scope, points: s.points.map((p) => ({ time: toSec(f.toMs(p.time)), value: f.num(p.equity) })) }));
    if (!series.length || !series.some((s) => s.points.length)) {
      box.empty("No equity snapshots in this range yet: the snapshot job records them as the account runs.");
      chart = null;
      return;
    }
    const holder = chartBox("chart tall");
    box.show(holder);
    chart = equityChart(holder);
    chart.set(series, { drawdown: !perStrategy });
  }
  const fetchCurve = () => load(box, async () => {
    last = await ctx.api.get("/api/portfolio/equity-curve", { range });
    draw();
  });
  fetchCurve();
  return {
    el: box.el,
    push(timeMs, value) {
      if (chart && !perStrategy && value !== null) chart.push({ time: toSec(timeMs), value });
    },
  };
}

export function allocationPanel(ctx) {
  const box = panel("Allocation", { id: "allocation" });
  load(box, async () => {
    const lines = await ctx.api.get("/api/portfolio/allocation");
    const metrics = await strategyMetrics(ctx);
    if (!lines.length) return box.empty("No strategy has an allocation on this account.");
    box.show(h("div", { class: "bars" }, lines.map((line) => bar(ctx, line, metrics[line.strategy] || {}))));
  });
  return box;
}

async function strategyMetrics(ctx) {
  try {
    const page = await ctx.api.get("/api/strategies");
    const out = {};
    for (const s of page.items) out[s.id] = (s.metrics || []).find((m) => m.period === "all") || {};
    return out;
  } catch {
    return {}; // the strategies route is optional here: the bars show what allocation gives
  }
}

function bar(ctx, line, m) {
  const share = f.num(line.allocation_pct) || 0;
  const goodness = m.period_return === undefined || m.period_return === null ? "" : m.period_return >= 0 ? "up" : "down";
  return h(
    "button",
    { class: `bar ${goodness}`, dataset: { strategy: line.strategy }, onclick: () => ctx.navigate(`#/strategies?focus=${line.strategy}`) },
    h("span", { class: "bar-name" }, line.strategy, " ", badge(line.status)),
    h("span", { class: "bar-track" }, h("span", { class: "bar-fill", style: `width:${Math.min(100, share)}%` })),
    h("span", { class: "bar-figures" }, `${f.pct(line.allocation_pct, 1)} · ${f.money(line.equity)} · P&L ${f.fraction(m.period_return)} · Sharpe ${f.plain(m.sharpe, 2)}`),
  );
}

export function positionsPanel(ctx) {
  const box = panel("Open positions", { wide: true, id: "positions" });
  const table = createTable(
    [
      { key: "strategy", label: "Strategy" },
      { key: "symbol", label: "Symbol" },
      { key: "side", label: "Side", render: (r) => badge(r.side) },
      { key: "entry_price", label: "Entry", align: "num", render: (r) => f.plain(r.entry_price) },
      { key: "size", label: "Size ($)", align: "num", value: (r) => (f.num(r.qty) || 0) * (f.num(r.entry_price) || 0), render: (r) => f.money((f.num(r.qty) || 0) * (f.num(r.entry_price) || 0)) },
      { key: "upnl", label: "Unrealized P&L", align: "num", value: (r) => r.upnl, render: (r) => h("span", { class: f.tone(r.upnl) }, f.signedMoney(r.upnl)) },
      { key: "leverage", label: "Leverage", align: "num", render: (r) => (r.leverage ? `${f.plain(r.leverage, 1)}×` : "—") },
      { key: "opened_at", label: "Age", value: (r) => -(f.toMs(r.opened_at) || 0), render: (r) => f.age(r.opened_at) },
    ],
    { key: (r) => r.trade_id, expand: (r) => positionDetail(ctx, r), empty: "No open position." },
  );
  let filtered = false;
  const refresh = () => load(box, async () => {
    const page = await ctx.api.get("/api/portfolio/positions", { limit: 500 });
    const rows = page.items.map((p) => ({ ...p, upnl: null }));
    if (!filtered) table.addSelectFilter("strategies", "strategy", [...new Set(rows.map((r) => r.strategy))].sort());
    filtered = true;
    table.setRows(rows);
    box.show(table.el);
    withExchangePnl(ctx, rows).then(() => table.redraw());
  });
  refresh();
  for (const type of ["strategy:position_opened", "strategy:position_closed"]) ctx.onCleanup(ctx.live.on(type, refresh));
  return box;
}

/** The exchange's unrealized P&L of the live positions (paper ones have none). */
async function withExchangePnl(ctx, rows) {
  try {
    const held = await ctx.api.get("/api/trading/positions");
    for (const row of rows) {
      const match = held.find((p) => p.symbol === row.symbol && !row.is_paper);
      if (match) row.upnl = match.unrealized_pnl;
    }
  } catch {
    // no exchange reachable (paper accounts, a replay): the column stays empty
  }
}

async function positionDetail(ctx, row) {
  const facts = h("dl", { class: "facts" },
    h("dt", {}, "Stop-loss"), h("dd", {}, f.plain(row.stop_loss)),
    h("dt", {}, "Take-profit"), h("dd", {}, f.plain(row.take_profit)),
    h("dt", {}, "Quantity"), h("dd", {}, f.plain(row.qty)),
    h("dt", {}, "Status"), h("dd", {}, `${row.status}${row.is_paper ? " (paper)" : ""}`),
    h("dt", {}, "Opened"), h("dd", {}, f.time(row.opened_at)));
  try {
    const trade = await ctx.api.get(`/api/trading/trades/${row.trade_id}`);
    return h("div", { class: "detail-grid" }, facts, h("div", {}, h("strong", {}, "Orders"), ordersList(trade.orders), h("p", { class: "small" }, `Funding paid/received: ${f.signedMoney(trade.funding)}`)));
  } catch (err) {
    return h("div", { class: "detail-grid" }, facts, h("p", { class: "muted small" }, err.unavailable ? "Orders: not available on this server." : err.message));
  }
}

function ordersList(orders) {
  if (!orders || !orders.length) return h("p", { class: "muted small" }, "No order.");
  return h("ul", { class: "small" }, orders.map((o) => h("li", {}, `${o.purpose} ${o.side} ${o.order_type} ${f.plain(o.qty)} @ ${f.plain(o.avg_fill_price ?? o.price)} · ${o.status}`)));
}

const WINDOWS = { "24h": 864e5, "7d": 6048e5, "30d": 2592e6, all: Infinity };

export function tradesPanel(ctx) {
  let windowKey = "7d";
  let trades = [];
  const buttons = Object.keys(WINDOWS).map((k) => h("button", { class: `ghost${k === windowKey ? " on" : ""}`, dataset: { window: k }, onclick: () => { windowKey = k; buttons.forEach((b) => b.classList.toggle("on", b.dataset.window === k)); draw(); } }, k));
  const box = panel("Recent trades", { id: "recent-trades", actions: buttons });
  function draw() {
    // Windows count back from the newest close: a replayed book's trades are in the past.
    const newest = Math.max(0, ...trades.map((t) => t.closed_ms || 0));
    const shown = trades.filter((t) => newest - (t.closed_ms || 0) <= WINDOWS[windowKey]);
    if (!shown.length) return box.empty("No closed trade in this window.");
    const wins = shown.filter((t) => f.num(t.net_pnl) > 0).length;
    const total = shown.reduce((a, t) => a + (f.num(t.net_pnl) || 0), 0);
    box.show(
      h("ol", { class: "feed trades" }, shown.map((t) => h("li", { onclick: () => tradeDialog(t), class: "clickable" }, h("span", { class: f.tone(t.net_pnl) }, f.num(t.net_pnl) > 0 ? "▲" : "▼"), ` ${t.symbol} ${t.side} `, badge(t.strategy, "strategy"), h("span", { class: `num ${f.tone(t.net_pnl)}` }, f.signedMoney(t.net_pnl)), h("span", { class: "muted small" }, f.time(t.closed_ms))))),
      h("p", { class: "feed-summary", id: "trades-summary" }, `${shown.length} trades · ${wins} W / ${shown.length - wins} L · total ${f.signedMoney(total)}`),
    );
  }
  load(box, async () => {
    trades = (await ctx.api.get("/api/trading/trades", { status: "closed", limit: 500 })).items;
    draw();
  });
  return box;
}

function tradeDialog(t) {
  const rows = ["id", "strategy", "symbol", "side", "qty", "entry_price", "exit_price", "stop_loss", "take_profit", "realized_pnl", "fees", "funding", "net_pnl", "exit_reason"];
  openDrawer(`Trade #${t.id}`, h("dl", { class: "facts" }, rows.map((k) => [h("dt", {}, k), h("dd", {}, f.plain(t[k]))]), h("dt", {}, "opened"), h("dd", {}, f.time(t.opened_ms)), h("dt", {}, "closed"), h("dd", {}, f.time(t.closed_ms))));
}
