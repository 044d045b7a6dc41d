// Tab 1, Portfolio (reference Phase 7): the four summary cards, the equity curve, allocation,
// open positions, recent trades, and the live events as they arrive. Every panel reads its
// own route, so a route this server lacks leaves the others working.

import { h } from "../core/dom.js";
import * as f from "../core/format.js";
import { card } from "../ui/cards.js";
import { panel } from "../ui/panel.js";
import { allocationPanel, curvePanel, positionsPanel, tradesPanel } from "./portfolio_panels.js";

export async function renderPortfolio(page, ctx) {
  if (!ctx.api.accountId) {
    page.append(h("div", { class: "state empty" }, "Choose a trading account in the header."));
    return;
  }
  const cards = {
    equity: card("Total equity", { id: "card-equity" }),
    today: card("Today's P&L", { id: "card-today" }),
    positions: card("Open positions", { id: "card-positions" }),
    drawdown: card("Portfolio drawdown", { id: "card-drawdown" }),
  };
  const summary = panel("Summary", { wide: true, id: "summary" });
  summary.show(h("div", { class: "cards" }, Object.values(cards).map((c) => c.el)));
  const events = panel("Live events", { id: "live-events" });
  const feed = h("ol", { class: "feed", id: "event-feed" });
  events.show(feed, h("p", { class: "muted small", id: "feed-idle" }, "Waiting for the account's events…"));
  const curve = curvePanel(ctx);
  const grid = h("div", { class: "grid-2" });
  page.append(summary.el, curve.el, grid);
  grid.append(allocationPanel(ctx).el, events.el);
  page.append(positionsPanel(ctx).el, tradesPanel(ctx).el);

  // Subscribe before the first load: an event that arrives while the summary is loading must
  // not be lost, and a live equity is never overwritten by an older stored one.
  const live = { equity: false };
  const refreshSummary = () => loadSummary(ctx, cards, live).catch((err) => summary.show(h("div", { class: "cards" }, Object.values(cards).map((c) => c.el)), stateNote(err)));
  ctx.onCleanup(ctx.live.on("*", (msg) => showEvent(feed, msg)));
  ctx.onCleanup(ctx.live.on("portfolio:equity_update", (msg) => {
    const equity = msg.data.equity;
    if (equity !== undefined) {
      live.equity = true;
      cards.equity.set(f.money(equity), `live · ${f.time(msg.time_ms)}`);
      cards.equity.flash();
      curve.push(msg.time_ms, f.num(equity));
    }
  }));
  for (const type of ["portfolio:circuit_breaker", "portfolio:drawdown_alert", "strategy:position_opened", "strategy:position_closed"]) {
    ctx.onCleanup(ctx.live.on(type, () => refreshSummary()));
  }
  await refreshSummary();
}

function stateNote(err) {
  return h("p", { class: err.unavailable ? "state unavailable" : "state error" }, err.unavailable ? "Not available — this server does not provide the summary yet." : err.message);
}

async function loadSummary(ctx, cards, live) {
  const s = await ctx.api.get("/api/portfolio/summary");
  if (!live.equity) cards.equity.set(f.money(s.equity), s.total_return_pct === null ? "no starting capital recorded" : `${f.pct(s.total_return_pct)} all time`, f.tone(s.total_return_pct));
  cards.today.set(f.signedMoney(s.today_pnl), "since 00:00 UTC", f.tone(s.today_pnl));
  const p = s.positions;
  cards.positions.set(String(p.total), `${p.long} long · ${p.short} short${p.paper ? ` · ${p.paper} paper` : ""}`);
  const dd = f.num(s.real_drawdown_pct);
  const halt = f.num(s.halt_threshold_pct);
  const level = dd === null ? "" : Math.abs(dd) >= halt ? "down" : Math.abs(dd) >= halt / 2 ? "warn" : "up";
  cards.drawdown.set(f.pct(s.real_drawdown_pct), `breaker ${s.breaker_state} · halts at ${f.pct(s.halt_threshold_pct)}`, level);
}

const LABELS = {
  "portfolio:equity_update": (d) => `equity ${f.money(d.equity)}`,
  "strategy:signal": (d) => `${d.strategy || ""} ${d.symbol || ""} ${d.action || ""} ${d.decision || ""}`,
  "strategy:position_opened": (d) => `${d.strategy || ""} opened ${d.side || ""} ${d.symbol || ""}`,
  "strategy:position_closed": (d) => `${d.strategy || ""} closed ${d.symbol || ""} ${d.pnl !== undefined ? f.signedMoney(d.pnl) : ""}`,
};

function showEvent(feed, msg) {
  const idle = document.getElementById("feed-idle");
  if (idle) idle.remove();
  const label = (LABELS[msg.type] || ((d) => JSON.stringify(d).slice(0, 120)))(msg.data || {});
  feed.prepend(h("li", { dataset: { type: msg.type, id: msg.id } }, h("span", { class: "muted" }, f.time(msg.time_ms)), " ", h("strong", {}, msg.type), " ", label));
  while (feed.children.length > 50) feed.lastChild.remove();
}
