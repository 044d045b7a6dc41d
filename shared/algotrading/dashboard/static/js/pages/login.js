// Sign in: email and password, then the six-digit code when the API answers `totp_required`.
// An admin without a second factor is offered its setup (the API serves admins nothing else).

import { fill, h } from "../core/dom.js";
import { createForm } from "../ui/form.js";

export function renderLogin(root, api, notice, done) {
  const box = h("div", { class: "login-box" });
  fill(root, h("div", { class: "login" }, h("h1", {}, "algotrading"), notice ? h("p", { class: "notice", role: "status" }, notice) : null, box));
  let needCode = false;
  const form = createForm(
    [
      { name: "email", label: "Email", type: "email", required: true, autocomplete: "username" },
      { name: "password", label: "Password", type: "password", required: true, autocomplete: "current-password" },
      { name: "totp_code", label: "Authenticator code", placeholder: "6 digits", autocomplete: "one-time-code" },
    ],
    {
      submit: "Sign in",
      onSubmit: async (values, f) => {
        try {
          const tokens = await api.login(values.email, values.password, values.totp_code);
          if (tokens.user.role === "admin" && !tokens.second_factor && !tokens.user.totp_enabled) {
            offerTotp(box, api, done);
          } else {
            done();
          }
        } catch (err) {
          if (err.code === "totp_required" && !needCode) {
            needCode = true;
            codeRow.hidden = false;
            f.input("totp_code").focus();
          }
          throw err;
        }
      },
    },
  );
  const codeRow = form.input("totp_code").closest("label");
  codeRow.hidden = true;
  form.el.id = "login-form";
  fill(box, form.el);
}

function offerTotp(box, api, done) {
  const steps = h("div", { class: "totp-setup" }, "Preparing a second factor…");
  fill(box, h("h2", {}, "Set up a second factor"), h("p", {}, "Admins sign in with an authenticator code. Add this secret to your authenticator app, then enter its code."), steps, h("button", { class: "ghost", onclick: done }, "Later"));
  api.post("/api/auth/totp/setup").then(
    (setup) => {
      const form = createForm([{ name: "code", label: "Code", required: true }], {
        submit: "Enable",
        onSubmit: async (values) => {
          await api.post("/api/auth/totp/confirm", { code: values.code });
          api.forget();
          location.hash = "#/login";
          renderLogin(box.closest("#app"), api, "Second factor enabled: sign in again with a code.", done);
        },
      });
      fill(steps, h("code", { class: "secret" }, setup.secret), h("p", { class: "muted small" }, setup.otpauth_uri), form.el);
    },
    (err) => fill(steps, err.message),
  );
}
