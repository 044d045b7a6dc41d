// How numbers and times read on every page. The API sends money as decimal strings; they are
// turned into numbers only to be displayed, never to be sent back.

const DASH = "—";

export function num(value) {
  if (value === null || value === undefined || value === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function money(value, digits = 2) {
  const n = num(value);
  if (n === null) return DASH;
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function signedMoney(value) {
  const n = num(value);
  if (n === null) return DASH;
  return (n > 0 ? "+" : "") + money(n);
}

/** A value already in percent (the API's *_pct fields). */
export function pct(value, digits = 2) {
  const n = num(value);
  return n === null ? DASH : `${n.toFixed(digits)} %`;
}

/** A fraction (0.1 = 10 %), as the performance metrics hold them. */
export function fraction(value, digits = 2) {
  const n = num(value);
  return n === null ? DASH : `${(n * 100).toFixed(digits)} %`;
}

export function plain(value, digits = 4) {
  const n = num(value);
  if (n === null) return value === null || value === undefined ? DASH : String(value);
  return Number.isInteger(n) ? String(n) : n.toFixed(digits).replace(/0+$/, "").replace(/\.$/, "");
}

export function toMs(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

/** UTC, as every time in the product is UTC. */
export function time(value) {
  const ms = toMs(value);
  if (ms === null) return DASH;
  return new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

export function age(value, now = Date.now()) {
  const ms = toMs(value);
  if (ms === null) return DASH;
  const minutes = Math.max(0, Math.round((now - ms) / 60000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} d`;
}

export function tone(value) {
  const n = num(value);
  if (n === null || n === 0) return "";
  return n > 0 ? "up" : "down";
}
