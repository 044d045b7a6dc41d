// Tab 6, Users (admins; reference Step 10.5): list, create, change role or active flag,
// reset a password, sign a user out everywhere, delete.

import { h, toast } from "../core/dom.js";
import * as f from "../core/format.js";
import { badge } from "../ui/cards.js";
import { openDrawer } from "../ui/drawer.js";
import { createForm } from "../ui/form.js";
import { load, panel } from "../ui/panel.js";
import { createTable } from "../ui/table.js";

export async function renderUsers(page, ctx) {
  const box = panel("Users", { wide: true, id: "users", actions: [h("button", { class: "primary", id: "new-user", onclick: () => create(ctx, refresh) }, "New user")] });
  page.append(box.el);
  const table = createTable(
    [
      { key: "id", label: "#", align: "num" },
      { key: "email", label: "Email" },
      { key: "display_name", label: "Name" },
      { key: "role", label: "Role", render: (u) => badge(u.role) },
      { key: "is_active", label: "Active", render: (u) => (u.is_active ? "yes" : "no") },
      { key: "totp_enabled", label: "2FA", render: (u) => (u.totp_enabled ? "on" : "off") },
      { key: "created_at", label: "Created", render: (u) => f.time(u.created_at) },
    ],
    { key: (u) => u.id, expand: (u) => actions(ctx, u, refresh) },
  );
  const refresh = () => load(box, async () => {
    table.setRows((await ctx.api.get("/api/users", { limit: 500 })).items);
    box.show(table.el);
  });
  await refresh();
}

function actions(ctx, u, refresh) {
  const run = async (work, done) => {
    try {
      await work();
      toast(done, "ok");
    } catch (err) {
      toast(err.message, "error");
    }
    refresh();
  };
  return h("div", { class: "row-actions" },
    h("button", { class: "ghost", onclick: () => edit(ctx, u, refresh) }, "Edit"),
    h("button", { class: "ghost", onclick: () => reset(ctx, u) }, "Reset password"),
    h("button", { class: "ghost", onclick: () => run(() => ctx.api.post(`/api/users/${u.id}/sessions/revoke`), "signed out everywhere") }, "Sign out everywhere"),
    h("button", { class: "danger", onclick: () => window.confirm(`Delete ${u.email}?`) && run(() => ctx.api.del(`/api/users/${u.id}`), "user deleted") }, "Delete"));
}

function create(ctx, refresh) {
  const drawer = openDrawer("New user");
  const form = createForm([
    { name: "email", label: "Email", type: "email", required: true },
    { name: "password", label: "Password (10 characters or more)", type: "password", required: true },
    { name: "role", label: "Role", type: "select", options: ["user", "admin"], value: "user" },
    { name: "display_name", label: "Display name" },
  ], { onSubmit: async (v) => {
    await ctx.api.post("/api/users", Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null)));
    drawer.close();
    refresh();
  } });
  form.el.id = "user-form";
  drawer.body.append(form.el);
}

function edit(ctx, u, refresh) {
  const drawer = openDrawer(`Edit ${u.email}`);
  const form = createForm([
    { name: "display_name", label: "Display name", value: u.display_name || "" },
    { name: "role", label: "Role", type: "select", options: ["user", "admin"], value: u.role },
    { name: "is_active", label: "Active", type: "checkbox", value: u.is_active },
  ], { onSubmit: async (v) => {
    await ctx.api.patch(`/api/users/${u.id}`, Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null)));
    drawer.close();
    refresh();
  } });
  drawer.body.append(form.el);
}

function reset(ctx, u) {
  const drawer = openDrawer(`New password for ${u.email}`);
  const form = createForm([{ name: "new_password", label: "New password", type: "password", required: true }], { onSubmit: async (v) => {
    await ctx.api.post(`/api/users/${u.id}/password`, v);
    drawer.close();
    toast("password reset; the user is signed out", "ok");
  } });
  drawer.body.append(form.el);
}
