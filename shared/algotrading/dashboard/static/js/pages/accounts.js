// Tab 5, Accounts (reference Step 10.4): the caller's trading accounts (an admin's: all),
// create, edit mode and risk limits, store and verify exchange keys, delete.

import { h, toast } from "../core/dom.js";
import * as f from "../core/format.js";
import { badge } from "../ui/cards.js";
import { openDrawer } from "../ui/drawer.js";
import { createForm } from "../ui/form.js";
import { load, panel } from "../ui/panel.js";
import { createTable } from "../ui/table.js";

const MODES = ["paper", "test", "live"];
const LIMITS = [
  { name: "starting_capital", label: "Starting capital (USDT)", type: "number" },
  { name: "max_loss_per_trade", label: "Max loss per trade (USDT)", type: "number" },
  { name: "max_risk_per_trade_pct", label: "Max risk per trade (%)", type: "number" },
  { name: "max_portfolio_risk_pct", label: "Max portfolio risk (%)", type: "number" },
  { name: "max_leverage", label: "Max leverage", type: "number" },
];

export async function renderAccounts(page, ctx) {
  const box = panel("Trading accounts", { wide: true, id: "accounts", actions: [h("button", { class: "primary", id: "new-account", onclick: () => edit(ctx, null, refresh) }, "New account")] });
  page.append(box.el);
  const table = createTable(
    [
      { key: "id", label: "#", align: "num" },
      { key: "name", label: "Name" },
      { key: "owner_email", label: "Owner" },
      { key: "mode", label: "Mode", render: (a) => badge(a.mode) },
      { key: "base_url", label: "Exchange" },
      { key: "has_keys", label: "Keys", render: (a) => (a.has_keys ? "stored" : "none") },
      { key: "max_leverage", label: "Max lev.", align: "num", render: (a) => f.plain(a.max_leverage) },
      { key: "is_active", label: "Active", render: (a) => (a.is_active ? "yes" : "no") },
    ],
    { key: (a) => a.id, expand: (a) => actions(ctx, a, refresh), empty: "No account yet." },
  );
  const refresh = () => load(box, async () => {
    table.setRows((await ctx.api.get("/api/accounts", { limit: 500 })).items);
    box.show(table.el);
  });
  await refresh();
}

function actions(ctx, a, refresh) {
  const verdict = h("span", { class: "small", id: `verify-${a.id}` });
  return h("div", { class: "row-actions" },
    h("button", { class: "ghost", onclick: () => edit(ctx, a, refresh) }, "Edit"),
    h("button", { class: "ghost", onclick: () => keys(ctx, a, refresh) }, "Set keys"),
    h("button", { class: "ghost", disabled: !a.has_keys, onclick: () => verify(ctx, a, verdict) }, "Verify keys"),
    h("button", { class: "danger", onclick: () => remove(ctx, a, refresh) }, "Delete"),
    verdict,
    h("p", { class: "muted small" }, `Risk: ${f.pct(a.max_risk_per_trade_pct)} per trade, ${f.pct(a.max_portfolio_risk_pct)} portfolio; capital ${f.money(a.starting_capital)}; created ${f.time(a.created_at)}`));
}

async function verify(ctx, a, out) {
  out.textContent = "asking the exchange…";
  try {
    const check = await ctx.api.post(`/api/accounts/${a.id}/keys/verify`);
    out.textContent = check.ok ? `keys accepted · balance ${f.money(check.total_equity)} USD` : `refused: ${check.reason}`;
    out.className = `small ${check.ok ? "up" : "down"}`;
  } catch (err) {
    out.textContent = err.message;
  }
}

function edit(ctx, a, refresh) {
  const drawer = openDrawer(a ? `Edit ${a.name}` : "New trading account");
  const fields = [
    { name: "name", label: "Name", required: true, value: a ? a.name : "" },
    { name: "mode", label: "Mode", type: "select", options: MODES, value: a ? a.mode : "paper" },
    { name: "environment", label: "Exchange (mainnet, testnet, demo or a URL)", value: a ? a.base_url : "testnet" },
    ...LIMITS.map((l) => ({ ...l, value: a ? a[l.name] : "" })),
    ...(a ? [{ name: "is_active", label: "Active", type: "checkbox", value: a.is_active }] : []),
  ];
  const form = createForm(fields, {
    onSubmit: async (v) => {
      const body = Object.fromEntries(Object.entries(v).filter(([k, value]) => value !== null && !(a && k === "environment" && value === a.base_url)));
      if (a) await ctx.api.patch(`/api/accounts/${a.id}`, body);
      else await ctx.api.post("/api/accounts", body);
      drawer.close();
      toast("account saved", "ok");
      refresh();
    },
  });
  form.el.id = "account-form";
  drawer.body.append(form.el);
}

function keys(ctx, a, refresh) {
  const drawer = openDrawer(`Exchange keys of ${a.name}`, h("p", { class: "muted small" }, "Stored encrypted; never shown again."));
  const form = createForm([{ name: "api_key", label: "API key", required: true }, { name: "api_secret", label: "API secret", type: "password", required: true }], {
    onSubmit: async (v) => {
      await ctx.api.put(`/api/accounts/${a.id}/keys`, v);
      drawer.close();
      toast("keys stored", "ok");
      refresh();
    },
  });
  drawer.body.append(form.el);
}

async function remove(ctx, a, refresh) {
  if (!window.confirm(`Delete ${a.name} and everything it recorded?`)) return;
  try {
    await ctx.api.del(`/api/accounts/${a.id}`);
    toast("account deleted", "ok");
  } catch (err) {
    toast(err.message, "error");
  }
  refresh();
}
