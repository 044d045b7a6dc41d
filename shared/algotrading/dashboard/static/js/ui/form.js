// Forms whose errors come from the API: the message of a 4xx is shown next to the field it
// names (`field` of the error shape, e.g. "params.fast_period"), else at the top of the form.

import { fill, h } from "../core/dom.js";

/**
 * fields: [{name, label, type?: "text"|"number"|"password"|"select"|"checkbox"|"textarea"|"date",
 *           value?, options?: [values], required?, step?, placeholder?, help?}]
 */
export function createForm(fields, { submit = "Save", onSubmit } = {}) {
  const inputs = new Map();
  const slots = new Map();
  const top = h("div", { class: "form-error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, submit);
  const el = h("form", { class: "form", novalidate: true }, top, fields.map((f) => row(f)), h("div", { class: "form-actions" }, button));

  function row(field) {
    const input = control(field);
    const slot = h("div", { class: "field-error", dataset: { errorFor: field.name } });
    inputs.set(field.name, input);
    slots.set(field.name, slot);
    const label = h("span", {}, field.label);
    const help = field.help ? h("small", { class: "muted" }, field.help) : null;
    return h("label", { class: `field ${field.type === "checkbox" ? "check" : ""}` }, label, input, help, slot);
  }

  const api = {
    el,
    input: (name) => inputs.get(name),
    values() {
      const out = {};
      for (const field of fields) out[field.name] = read(field, inputs.get(field.name));
      return out;
    },
    clearErrors() {
      top.textContent = "";
      for (const slot of slots.values()) slot.textContent = "";
      for (const input of inputs.values()) input.removeAttribute("aria-invalid");
    },
    /** Show an API error beside its field; returns the element it went to. */
    showError(err) {
      const name = fieldOf(err.field, slots);
      if (name) {
        slots.get(name).textContent = err.message;
        inputs.get(name).setAttribute("aria-invalid", "true");
        return slots.get(name);
      }
      fill(top, err.message);
      return top;
    },
    busy(on) {
      button.disabled = on;
    },
  };

  el.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    api.clearErrors();
    api.busy(true);
    try {
      await onSubmit(api.values(), api);
    } catch (err) {
      api.showError(err);
    } finally {
      api.busy(false);
    }
  });
  return api;
}

/** "params.fast_period" matches a field named "params.fast_period", else "fast_period". */
function fieldOf(field, slots) {
  if (!field) return null;
  if (slots.has(field)) return field;
  const parts = field.split(".");
  for (let i = 1; i < parts.length; i += 1) {
    const tail = parts.slice(i).join(".");
    if (slots.has(tail)) return tail;
  }
  return slots.has(parts[0]) ? parts[0] : null;
}

function control(field) {
  const common = { name: field.name, id: `f-${field.name}`, required: field.required, placeholder: field.placeholder };
  if (field.type === "select") {
    return h("select", common, (field.options || []).map((o) => {
      const [value, text] = Array.isArray(o) ? o : [o, o];
      return h("option", { value, selected: String(value) === String(field.value ?? "") }, text);
    }));
  }
  if (field.type === "checkbox") return h("input", { ...common, type: "checkbox", checked: Boolean(field.value) });
  if (field.type === "textarea") return h("textarea", { ...common, rows: 4 }, field.value ?? "");
  return h("input", { ...common, type: field.type || "text", value: field.value ?? "", step: field.step || (field.type === "number" ? "any" : undefined), autocomplete: field.autocomplete });
}

function read(field, input) {
  if (field.type === "checkbox") return input.checked;
  const value = input.value.trim();
  if (value === "") return null;
  if (field.type === "number") return Number(value);
  return value;
}
