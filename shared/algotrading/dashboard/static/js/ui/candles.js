// The candle chart controller (reference Step 9.2): candles, trade markers, EMA/BB overlays,
// an RSI pane, paging to older bars when the view reaches the left edge, and a sliding window
// of at most MAX_BARS bars. Pages hand it data; it never fetches.

import { bollinger, ema, rsi } from "../core/indicators.js";
import { createChartIn, dedupeByTime, lib, toSec } from "./charts.js";

const MAX_BARS = 5000;
const EDGE_BARS = 10;

export class CandleChart {
  constructor(container, { onNeedOlder } = {}) {
    const charts = lib();
    this.charts = charts;
    this.chart = createChartIn(container);
    this.bars = [];
    this.trades = [];
    this.indicators = { ema: true, bb: true, rsi: true };
    this.series = { candles: this.chart.addSeries(charts.CandlestickSeries, { upColor: "#2ecc8f", downColor: "#e5646e", wickUpColor: "#2ecc8f", wickDownColor: "#e5646e", borderVisible: false }) };
    this.markers = charts.createSeriesMarkers(this.series.candles, []);
    this.overlays = [];
    this.paging = false;
    this.chart.timeScale().subscribeVisibleLogicalRangeChange((range) => {
      if (range && range.from < EDGE_BARS && onNeedOlder && !this.paging && this.bars.length) {
        this.paging = true;
        Promise.resolve(onNeedOlder(this.bars[0].time * 1000)).finally(() => setTimeout(() => (this.paging = false), 250));
      }
    });
  }

  static bar(c) {
    return { time: toSec(c.start_ms), open: c.open, high: c.high, low: c.low, close: c.close };
  }

  /** Replace everything (a new symbol or interval). */
  load(candles, trades) {
    this.bars = dedupeByTime(candles.map(CandleChart.bar));
    this.trades = trades;
    this.draw();
    const n = this.bars.length;
    // the newest bars, not all of them: a fitted view would sit at the left edge and page at once
    this.chart.timeScale().setVisibleLogicalRange({ from: Math.max(0, n - 150), to: n + 2 });
  }

  /** Older bars in front, keeping the view where it was (the library shifts logical indexes). */
  prepend(candles, trades) {
    const before = this.bars.length;
    const range = this.chart.timeScale().getVisibleLogicalRange();
    this.bars = dedupeByTime([...candles.map(CandleChart.bar), ...this.bars]).slice(-MAX_BARS);
    this.trades = mergeTrades(this.trades, trades);
    const added = this.bars.length - before;
    this.draw();
    if (range && added > 0) this.chart.timeScale().setVisibleLogicalRange({ from: range.from + added, to: range.to + added });
    return added;
  }

  /** Newer bars (a live refresh): update in place without rescaling the view. */
  append(candles, trades) {
    for (const bar of candles.map(CandleChart.bar)) {
      const last = this.bars[this.bars.length - 1];
      if (last && bar.time < last.time) continue;
      if (last && bar.time === last.time) this.bars[this.bars.length - 1] = bar;
      else this.bars.push(bar);
      this.series.candles.update(bar);
    }
    this.bars = this.bars.slice(-MAX_BARS);
    this.trades = mergeTrades(this.trades, trades);
    this.drawMarkers();
  }

  setIndicators(flags) {
    this.indicators = { ...this.indicators, ...flags };
    this.drawOverlays();
  }

  draw() {
    this.series.candles.setData(this.bars);
    this.drawOverlays();
    this.drawMarkers();
  }

  drawMarkers() {
    this.markers.setMarkers(tradeMarkers(this.trades, this.bars));
  }

  drawOverlays() {
    for (const s of this.overlays) this.chart.removeSeries(s);
    this.overlays = [];
    const closes = this.bars.map((b) => b.close);
    const line = (values, color, pane = 0, title = "") => {
      const s = this.chart.addSeries(this.charts.LineSeries, { color, lineWidth: 1, priceLineVisible: false, lastValueVisible: false, title }, pane);
      s.setData(this.bars.map((b, i) => (values[i] === null ? { time: b.time } : { time: b.time, value: values[i] })));
      this.overlays.push(s);
    };
    if (this.indicators.ema) {
      line(ema(closes, 20), "#f0b429", 0, "EMA 20");
      line(ema(closes, 50), "#a77bff", 0, "EMA 50");
    }
    if (this.indicators.bb) {
      const bands = bollinger(closes, 20, 2);
      line(bands.upper, "#36c5d8", 0, "BB");
      line(bands.lower, "#36c5d8");
    }
    if (this.indicators.rsi) {
      line(rsi(closes, 14), "#4f8cff", 1, "RSI 14");
      const pane = this.chart.panes()[1];
      if (pane) pane.setStretchFactor(0.3);
    }
  }

  markerCount() {
    return this.markers.markers().length;
  }

  destroy() {
    this.chart.remove();
  }
}

function mergeTrades(old, fresh) {
  const byId = new Map(old.map((t) => [t.id, t]));
  for (const t of fresh) byId.set(t.id, t);
  return [...byId.values()];
}

/** An entry arrow at the open, an exit circle at the close; sorted by time as the library needs. */
export function tradeMarkers(trades, bars) {
  if (!bars.length) return [];
  const first = bars[0].time;
  const last = bars[bars.length - 1].time;
  const out = [];
  for (const t of trades) {
    const long = t.side === "long";
    const opened = t.opened_at ? toSec(Date.parse(t.opened_at)) : null;
    const closed = t.closed_at ? toSec(Date.parse(t.closed_at)) : null;
    if (opened !== null && opened >= first && opened <= last + 86400) {
      out.push({ time: snap(bars, opened), position: long ? "belowBar" : "aboveBar", shape: long ? "arrowUp" : "arrowDown", color: long ? "#2ecc8f" : "#e5646e", text: `${t.strategy} ${t.side}`, id: `entry-${t.id}` });
    }
    if (closed !== null && closed >= first && closed <= last + 86400) {
      out.push({ time: snap(bars, closed), position: long ? "aboveBar" : "belowBar", shape: "circle", color: "#f0b429", text: `exit ${t.exit_reason || ""}`.trim(), id: `exit-${t.id}` });
    }
  }
  return out.sort((a, b) => a.time - b.time);
}

/** The open time of the bar holding `t` (a marker must sit on a bar's time). */
function snap(bars, t) {
  let lo = 0;
  let hi = bars.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (bars[mid].time <= t) lo = mid;
    else hi = mid - 1;
  }
  return bars[lo].time;
}
