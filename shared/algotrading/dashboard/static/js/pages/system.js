// Tab 7, System (reference Step 10.6): health of the API, database, exchange and stream, the
// live connection of this page, the job runs kept in PostgreSQL (a log view: one expandable
// row per run with its summary), alerts and the operators' audit.

import { h } from "../core/dom.js";
import * as f from "../core/format.js";
import { badge } from "../ui/cards.js";
import { load, panel } from "../ui/panel.js";
import { createTable } from "../ui/table.js";

export async function renderSystem(page, ctx) {
  const health = panel("Health", { id: "health" });
  const runs = panel("Job runs", { wide: true, id: "job-runs" });
  const alerts = panel("Alerts", { wide: true, id: "alerts" });
  const audit = panel("Audit", { wide: true, id: "audit" });
  page.append(health.el, runs.el, alerts.el, audit.el);
  const liveLine = h("li", {}, "live connection: ", h("strong", { id: "health-live" }, ctx.live.state));
  ctx.onCleanup(ctx.live.onState((state, detail) => (liveLine.lastChild.textContent = `${state}${detail ? ` (${detail})` : ""}`)));

  load(health, async () => {
    const out = await ctx.api.get("/api/health");
    const checks = Object.entries(out).filter(([, v]) => v && typeof v === "object" && "detail" in v);
    health.show(h("ul", { class: "checks" },
      h("li", {}, "API ", badge(out.status), ` version ${out.version}`),
      checks.map(([name, c]) => h("li", { dataset: { check: name } }, `${name}: `, badge(c.ok === null ? "unknown" : c.ok ? "ok" : "down"), ` ${c.detail}`, c.at ? h("span", { class: "muted" }, ` · ${f.time(c.at)}`) : null)),
      liveLine));
  });
  listInto(ctx, runs, "/api/system/job-runs", [
    { key: "job", label: "Job" },
    { key: "scheduled_time", label: "Scheduled", render: (r) => f.time(r.scheduled_time) },
    { key: "status", label: "Status", render: (r) => badge(r.status) },
    { key: "attempts", label: "Attempts", align: "num" },
    { key: "started_at", label: "Started", render: (r) => f.time(r.started_at) },
    { key: "finished_at", label: "Finished", render: (r) => f.time(r.finished_at) },
  ], { key: (r) => r.id, expand: (r) => h("pre", { class: "log" }, JSON.stringify(r.result, null, 2)), empty: "No job has run yet." }, { job: "jobs" });
  listInto(ctx, alerts, "/api/system/alerts", [
    { key: "created_at", label: "Time", render: (r) => f.time(r.created_at) },
    { key: "level", label: "Level", render: (r) => badge(r.level) },
    { key: "kind", label: "Kind" },
    { key: "message", label: "Message" },
    { key: "account_id", label: "Account", align: "num" },
  ], { key: (r) => r.id, expand: (r) => h("pre", { class: "log" }, JSON.stringify(r.details, null, 2)), empty: "No alert." }, { level: "levels" });
  listInto(ctx, audit, "/api/system/audit", [
    { key: "created_at", label: "Time", render: (r) => f.time(r.created_at) },
    { key: "action", label: "Action" },
    { key: "scope", label: "Scope" },
    { key: "actor", label: "Actor" },
    { key: "reason", label: "Reason" },
    { key: "account_id", label: "Account", align: "num" },
  ], { key: (r) => r.id, expand: (r) => h("pre", { class: "log" }, JSON.stringify(r.detail, null, 2)), empty: "No operator action yet." }, { action: "actions" });
}

function listInto(ctx, box, path, columns, options, filters) {
  const table = createTable(columns, options);
  load(box, async () => {
    const page = await ctx.api.get(path, { limit: 500 });
    for (const [key, label] of Object.entries(filters)) table.addSelectFilter(label, key, [...new Set(page.items.map((r) => r[key]))].sort());
    table.setRows(page.items);
    box.show(table.el, page.total > page.items.length ? h("p", { class: "muted small" }, `newest ${page.items.length} of ${page.total}`) : null);
  });
}
