// Tab 3, Chart (reference Phase 9): candles of one symbol and interval with the account's
// trades as entry and exit markers, EMA/BB overlays and an RSI pane; scrolling left loads older
// bars; the newest bars are fetched again when a position event for this symbol arrives and
// every minute while the tab is open.

import { h } from "../core/dom.js";
import { CandleChart } from "../ui/candles.js";
import { load, panel } from "../ui/panel.js";

const PAGE = 500;
const POLL_MS = 60000;

export async function renderChart(page, ctx) {
  const symbol = h("select", { id: "chart-symbol", "aria-label": "Symbol" });
  const interval = h("select", { id: "chart-interval", "aria-label": "Interval" });
  const toggles = ["ema", "bb", "rsi"].map((k) => h("label", { class: "inline" }, h("input", { type: "checkbox", checked: true, dataset: { indicator: k }, onchange: (ev) => chart && chart.setIndicators({ [k]: ev.target.checked }) }), k.toUpperCase()));
  const info = h("span", { class: "muted small", id: "chart-info" });
  const box = panel("Chart", { wide: true, id: "chart-panel", actions: [symbol, interval, ...toggles] });
  page.append(box.el);
  let chart = null;
  ctx.onCleanup(() => chart && chart.destroy());

  const query = (extra) => ctx.api.get(`/api/market/candles/${symbol.value}`, { interval: interval.value, limit: PAGE, ...extra });
  const older = async (firstMs) => {
    const out = await query({ end: firstMs - 1 });
    const added = chart.prepend(out.candles, out.trades);
    info.textContent = `${chart.bars.length} bars · ${chart.markerCount()} markers${added ? "" : " · no older data"}`;
  };
  const open = () => load(box, async () => {
    const out = await query({});
    const holder = h("div", { class: "chart candles", id: "candle-chart" });
    box.show(holder, info);
    if (chart) chart.destroy();
    chart = new CandleChart(holder, { onNeedOlder: older });
    chart.load(out.candles, out.trades);
    info.textContent = out.candles.length ? `${chart.bars.length} bars · ${chart.markerCount()} markers` : "No candles for this symbol and interval.";
    ctx.params.set("symbol", symbol.value);
    history.replaceState(null, "", `#/chart?symbol=${symbol.value}&interval=${interval.value}`);
  });
  const newest = async () => {
    if (!chart) return;
    const out = await query({});
    chart.append(out.candles, out.trades);
  };

  await load(box, async () => {
    const [symbols, intervals] = await Promise.all([ctx.api.get("/api/market/symbols"), ctx.api.get("/api/market/intervals")]);
    symbol.replaceChildren(...symbols.symbols.map((s) => h("option", { value: s }, s)));
    interval.replaceChildren(...intervals.intervals.map((s) => h("option", { value: s }, s)));
    symbol.value = ctx.params.get("symbol") || (symbols.symbols.includes("BTCUSDT") ? "BTCUSDT" : symbols.symbols[0]);
    interval.value = ctx.params.get("interval") || (intervals.intervals.includes("1h") ? "1h" : intervals.intervals[0]);
    await open();
  });
  symbol.addEventListener("change", open);
  interval.addEventListener("change", open);
  const timer = setInterval(() => newest().catch(() => {}), POLL_MS);
  ctx.onCleanup(() => clearInterval(timer));
  for (const type of ["strategy:position_opened", "strategy:position_closed"]) {
    ctx.onCleanup(ctx.live.on(type, (msg) => msg.data.symbol === symbol.value && newest().catch(() => {})));
  }
}
