// What the tablet pages share: London times, the connection banner, error summaries and
// field errors.

import { $, el } from "/js/shared/dom.js";
import { forgetDeviceCredential } from "./device.js";

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

// The banner under the header: "Reconnecting to the hub…" and friends. Text, not colour,
// carries the meaning; the icon is decoration.
const STATES = {
  connecting: ["Connecting to the hub…", "busy"],
  reconnecting: ["Reconnecting to the hub…", "busy"],
  "signed-out": ["This tablet is signed out of the hub.", "problem"],
  unreachable: ["The hub cannot be reached. Check the Wi-Fi or mobile signal.", "problem"],
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

