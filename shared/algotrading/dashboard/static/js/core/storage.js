// What the browser remembers between visits: the session's tokens and the chosen account.
// localStorage, so a reload keeps the session; signing out removes both.

const SESSION = "algo.session";
const ACCOUNT = "algo.account";

export function loadSession() {
  try {
    return JSON.parse(localStorage.getItem(SESSION) || "null");
  } catch {
    return null;
  }
}

export function saveSession(session) {
  if (session) localStorage.setItem(SESSION, JSON.stringify(session));
  else localStorage.removeItem(SESSION);
}

export function loadAccount() {
  const n = Number(localStorage.getItem(ACCOUNT));
  return Number.isInteger(n) && n > 0 ? n : null;
}

export function saveAccount(id) {
  if (id) localStorage.setItem(ACCOUNT, String(id));
  else localStorage.removeItem(ACCOUNT);
}
