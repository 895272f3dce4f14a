// Small DOM helpers shared by the tablet pages.

import { forgetDeviceCredential } from "./device.js";

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// "2 min 05 s", or "45 s".
export function formatWait(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(s / 60);
  const rest = String(s % 60).padStart(2, "0");
  return minutes ? `${minutes} min ${rest} s` : `${s % 60} s`;
}

const LONDON = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/London",
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
});

export function londonTime(iso) {
  return LONDON.format(new Date(iso));
}

export function randomId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

// The banner under the header: "Reconnecting to the hub…" and friends. Text, not colour,
// carries the meaning; the icon is decoration.
const STATES = {
  connecting: ["Connecting to the hub…", "busy"],
  reconnecting: ["Reconnecting to the hub…", "busy"],
  "signed-out": ["This tablet is signed out of the hub.", "problem"],
  offline: ["The hub cannot be reached. Check the Wi-Fi or mobile signal.", "problem"],
};

export function showConnection(state, reason = null) {
  const banner = $("#connection");
  if (!banner) return;
  // "ended": the hub removed this tablet (or refused it); its reason is the text to show.
  const entry = state === "ended" ? [reason, "problem"] : STATES[state];
  banner.hidden = !entry;
  banner.dataset.state = state;
  if (!entry) return;
  const [text, kind] = entry;
  const label = $("#connection-text", banner);
  label.textContent = text;
  banner.dataset.kind = kind;
  if (state === "signed-out") {
    const next = encodeURIComponent(window.location.pathname);
    label.append(" ", el("a", { href: `/login?next=${next}`, class: "nhsuk-link", text: "Sign in again" }));
  }
}

export function bindConnection(hub) {
  hub.addEventListener("state", (e) => {
    if (e.detail === "ended" && hub.endedCode === 4403) forgetDeviceCredential();
    showConnection(e.detail === "open" ? null : e.detail, hub.endedReason);
  });
}

// An NHS error summary: [{text, href}] or nothing to hide it.
export function showErrors(summary, errors) {
  const list = $("ul", summary);
  list.replaceChildren(
    ...errors.map((e) => el("li", {}, el("a", { href: e.href ?? "#", text: e.text }))),
  );
  summary.hidden = errors.length === 0;
  if (errors.length) summary.focus();
}

export function fieldError(input, message) {
  const group = input.closest(".nhsuk-form-group");
  const error = document.getElementById(`${input.id}-error`) ?? (group && $(".nhsuk-error-message", group));
  if (group) group.classList.toggle("nhsuk-form-group--error", Boolean(message));
  input.classList.toggle("nhsuk-input--error", Boolean(message));
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  if (error) {
    error.hidden = !message;
    error.replaceChildren(...(message ? [el("span", { class: "nhsuk-u-visually-hidden", text: "Error: " }), message] : []));
    const described = new Set((input.getAttribute("aria-describedby") ?? "").split(" ").filter(Boolean));
    if (message) described.add(error.id);
    else described.delete(error.id);
    if (described.size) input.setAttribute("aria-describedby", [...described].join(" "));
  }
}

// Connect, and keep trying if the hub cannot be reached at first (HubSocket itself retries
// only a connection that was once open).
export function startHub(hub) {
  const attempt = (wait) =>
    hub.connect().catch((err) => {
      if (err.code === "ended") return;
      if (err.code === "unauthorised") {
        showConnection("signed-out");
        return;
      }
      showConnection("offline");
      setTimeout(() => attempt(Math.min(wait * 2, 10000)), wait);
    });
  attempt(500);
}
