// The one table of the dashboard: sort by a column, filter by text (and by any select the page
// adds), page through the rows, and expand a row to show its details. The rows are the data
// the page fetched; the table never fetches.

import { fill, h } from "../core/dom.js";

/**
 * columns: [{key, label, value?: row => sortable value, render?: row => node|string, align?}]
 * options: {pageSize, expand?: row => node|Promise<node>, empty, rowClass?: row => string}
 */
export function createTable(columns, options = {}) {
  const state = { rows: [], sortKey: null, desc: false, filter: "", page: 0, open: new Set() };
  const pageSize = options.pageSize || 25;
  const search = h("input", { type: "search", placeholder: "Filter", "aria-label": "Filter rows", class: "filter" });
  const extra = h("span", { class: "table-filters" });
  const table = h("table", { class: "grid" });
  const pager = h("div", { class: "pager" });
  const el = h("div", { class: "table" }, h("div", { class: "table-tools" }, search, extra), h("div", { class: "scroll" }, table), pager);
  const predicates = [];

  search.addEventListener("input", () => {
    state.filter = search.value.trim().toLowerCase();
    state.page = 0;
    draw();
  });

  function valueOf(col, row) {
    return col.value ? col.value(row) : row[col.key];
  }

  function visible() {
    let rows = state.rows.filter((row) => predicates.every((p) => p(row)));
    if (state.filter) {
      rows = rows.filter((row) =>
        columns.some((col) => String(valueOf(col, row) ?? "").toLowerCase().includes(state.filter)),
      );
    }
    const col = columns.find((c) => c.key === state.sortKey);
    if (col) {
      rows = [...rows].sort((a, b) => compare(valueOf(col, a), valueOf(col, b)) * (state.desc ? -1 : 1));
    }
    return rows;
  }

  function header() {
    return h(
      "thead",
      {},
      h(
        "tr",
        {},
        options.expand ? h("th", { class: "expander" }) : null,
        columns.map((col) => {
          const mark = state.sortKey === col.key ? (state.desc ? " ▼" : " ▲") : "";
          return h("th", { class: col.align || "", onclick: () => sortBy(col.key), scope: "col", tabindex: 0, "aria-sort": state.sortKey === col.key ? (state.desc ? "descending" : "ascending") : "none" }, col.label + mark);
        }),
      ),
    );
  }

  function sortBy(key) {
    state.desc = state.sortKey === key ? !state.desc : false;
    state.sortKey = key;
    draw();
  }

  function line(row, index) {
    const key = options.key ? options.key(row) : index;
    const open = state.open.has(key);
    const cells = columns.map((col) => h("td", { class: col.align || "", dataset: { col: col.key } }, col.render ? col.render(row) : fmt(row[col.key])));
    const toggle = options.expand
      ? h("td", { class: "expander" }, h("button", { class: "ghost", "aria-expanded": String(open), "aria-label": "Details", onclick: () => flip(key) }, open ? "▾" : "▸"))
      : null;
    const tr = h("tr", { class: options.rowClass ? options.rowClass(row) : "", onclick: options.onRow ? () => options.onRow(row) : null }, toggle, cells);
    if (!open) return [tr];
    const detail = h("td", { colspan: columns.length + 1 }, "Loading…");
    Promise.resolve(options.expand(row)).then((node) => fill(detail, node), (err) => fill(detail, err.message));
    return [tr, h("tr", { class: "detail" }, detail)];
  }

  function flip(key) {
    if (state.open.has(key)) state.open.delete(key);
    else state.open.add(key);
    draw();
  }

  function draw() {
    const rows = visible();
    const pages = Math.max(1, Math.ceil(rows.length / pageSize));
    state.page = Math.min(state.page, pages - 1);
    const shown = rows.slice(state.page * pageSize, (state.page + 1) * pageSize);
    const body = shown.length
      ? h("tbody", {}, shown.map((row, i) => line(row, state.page * pageSize + i)))
      : h("tbody", {}, h("tr", {}, h("td", { colspan: columns.length + 1, class: "muted empty" }, options.empty || "No rows.")));
    fill(table, header(), body);
    fill(
      pager,
      h("span", { class: "muted" }, `${rows.length} of ${state.rows.length} rows`),
      pages > 1 ? h("button", { class: "ghost", disabled: state.page === 0, onclick: () => turn(-1) }, "‹ Prev") : null,
      pages > 1 ? h("span", {}, `${state.page + 1} / ${pages}`) : null,
      pages > 1 ? h("button", { class: "ghost", disabled: state.page >= pages - 1, onclick: () => turn(1) }, "Next ›") : null,
    );
  }

  function turn(step) {
    state.page += step;
    draw();
  }

  draw();
  return {
    el,
    setRows(rows) {
      state.rows = rows || [];
      draw();
    },
    /** A select that keeps only the rows whose `key` equals the chosen value. */
    addSelectFilter(label, key, values) {
      const select = h("select", { "aria-label": label }, h("option", { value: "" }, `All ${label}`), values.map((v) => h("option", { value: v }, v)));
      select.addEventListener("change", () => {
        state.page = 0;
        draw();
      });
      predicates.push((row) => !select.value || String(row[key]) === select.value);
      extra.append(select);
      return select;
    },
    redraw: draw,
  };
}

function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && a !== "" && b !== "") return na - nb;
  return String(a).localeCompare(String(b));
}

function fmt(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
