// The wrapper around the vendored lightweight-charts (a classic script: window.LightweightCharts):
// the options every chart shares and the workarounds its API needs, written once.

import { h } from "../core/dom.js";
import { drawdowns } from "../core/indicators.js";

export const COLORS = ["#4f8cff", "#f0b429", "#2ecc8f", "#e5646e", "#a77bff", "#36c5d8", "#ff8f3f"];

export function lib() {
  const charts = window.LightweightCharts;
  if (!charts) throw new Error("the chart library did not load");
  return charts;
}

/** Seconds since the epoch, the time unit of the library. */
export function toSec(ms) {
  return Math.floor(ms / 1000);
}

/** Ascending and one point per time: the library throws on a repeated or unsorted time. */
export function dedupeByTime(points) {
  const byTime = new Map();
  for (const p of points) byTime.set(p.time, p);
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}

export function createChartIn(container, extra = {}) {
  const css = getComputedStyle(document.documentElement);
  const text = css.getPropertyValue("--text").trim() || "#d8dee9";
  const grid = css.getPropertyValue("--line").trim() || "#2a3140";
  return lib().createChart(container, {
    autoSize: true,
    layout: { background: { color: "transparent" }, textColor: text, fontFamily: "inherit" },
    grid: { vertLines: { color: grid }, horzLines: { color: grid } },
    timeScale: { timeVisible: true, secondsVisible: false, borderColor: grid },
    rightPriceScale: { borderColor: grid },
    ...extra,
  });
}

/** Equity lines (one per series) with the first series' peak and its drawdown shaded below. */
export function equityChart(container) {
  const charts = lib();
  const chart = createChartIn(container);
  let lines = [];
  return {
    chart,
    set(series, { drawdown = true } = {}) {
      for (const s of lines) chart.removeSeries(s);
      lines = [];
      series.forEach((s, i) => {
        const data = dedupeByTime(s.points);
        const kind = i === 0 && series.length === 1 ? charts.AreaSeries : charts.LineSeries;
        const line = chart.addSeries(kind, { color: COLORS[i % COLORS.length], lineColor: COLORS[i % COLORS.length], lineWidth: 2, title: s.name, topColor: "rgba(79,140,255,0.35)", bottomColor: "rgba(79,140,255,0.02)" });
        line.setData(data);
        lines.push(line);
      });
      if (drawdown && series.length) {
        const data = dedupeByTime(series[0].points);
        const dd = drawdowns(data.map((p) => p.value));
        const area = chart.addSeries(charts.AreaSeries, { lineColor: "#e5646e", topColor: "rgba(229,100,110,0.05)", bottomColor: "rgba(229,100,110,0.45)", lineWidth: 1, title: "drawdown %", invertFilledArea: true }, 1);
        area.setData(data.map((p, i) => ({ time: p.time, value: dd[i] })));
        lines.push(area);
        const pane = chart.panes()[1];
        if (pane) pane.setStretchFactor(0.35);
      }
      chart.timeScale().fitContent();
    },
    /** Append or replace the newest point of the first series (a live equity update). */
    push(point) {
      if (lines[0]) lines[0].update(point);
    },
    destroy: () => chart.remove(),
  };
}

/** A small line without axes: a strategy's equity at a glance. */
export function sparkline(container, points) {
  const charts = lib();
  const chart = createChartIn(container, {
    handleScroll: false,
    handleScale: false,
    timeScale: { visible: false },
    rightPriceScale: { visible: false },
    grid: { vertLines: { visible: false }, horzLines: { visible: false } },
    crosshair: { horzLine: { visible: false }, vertLine: { visible: false } },
  });
  const data = dedupeByTime(points);
  const up = data.length < 2 || data[data.length - 1].value >= data[0].value;
  const line = chart.addSeries(charts.LineSeries, { color: up ? "#2ecc8f" : "#e5646e", lineWidth: 2, priceLineVisible: false, lastValueVisible: false });
  line.setData(data);
  chart.timeScale().fitContent();
  return chart;
}

export function chartBox(cls = "chart") {
  return h("div", { class: cls });
}
