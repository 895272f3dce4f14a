// Who else is on shift and what they are doing. This console checks in on connecting, every
// heartbeat, and whenever its own call changes; the hub tells every console the roster.

import { el } from "/js/shared/dom.js";

export class Presence {
  constructor({ hub, list, statusSelect, me, onRoster }) {
    this.hub = hub;
    this.list = list;
    this.statusSelect = statusSelect;
    this.me = me;
    this.onRoster = onRoster;
    this.staff = [];
    this.heartbeat = null;
    this.status = localStorage.getItem("telehub.console.status") || "available";
    statusSelect.value = this.status;
    statusSelect.addEventListener("change", () => {
      this.status = statusSelect.value;
      localStorage.setItem("telehub.console.status", this.status);
      this.checkIn();
    });
    hub.addEventListener("hub-presence", (e) => this.render(e.detail.staff));
  }

  async start() {
    const result = await this.hub.command("presence/subscribe");
    this.render(result.staff);
    await this.checkIn();
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.checkIn(), (result.heartbeat_seconds || 30) * 1000);
  }

  async checkIn() {
    try {
      await this.hub.command("presence/set", { status: this.status });
    } catch {
      // the socket is reconnecting: it checks in again when it is back
    }
  }

  render(staff) {
    this.staff = staff;
    const items = staff.map((s) =>
      el(
        "li",
        {
          class: `console-roster__item console-roster__item--${s.call_id ? "busy" : s.status}`,
          dataset: { userId: s.user_id },
        },
        el("span", { class: "console-dot", "aria-hidden": "true" }),
        el("strong", {}, s.name),
        s.user_id === this.me.id ? " (you)" : "",
        " ",
        el("span", { class: "console-muted console-small" }, s.specialty ? `${roleLabel(s.role)}, ${s.specialty}` : roleLabel(s.role)),
        el("br"),
        el("span", { class: "console-small" }, s.doing),
      ),
    );
    this.list.replaceChildren(...items);
    this.onRoster?.(staff);
  }

  nurses() {
    return this.staff.filter((s) => s.role === "hub_nurse" && s.user_id !== this.me.id);
  }

  specialists() {
    return this.staff.filter((s) => s.role === "specialist");
  }
}

function roleLabel(role) {
  return { hub_nurse: "Hub nurse", specialist: "Specialist", hub_admin: "Hub administrator" }[role] ?? role;
}

// Fill a <select> with staff, those signed in first; nothing is chosen until the nurse
// chooses, and nobody who is not signed in can be; keep the current choice if still there.
export function fillStaffSelect(select, staff, { emptyText, chooseText }) {
  const current = select.value;
  const ordered = [...staff].sort((a, b) => Number(b.online) - Number(a.online));
  const options = ordered.map((s) =>
    el(
      "option",
      { value: String(s.user_id), disabled: !s.online },
      `${s.name}${s.specialty ? ` (${s.specialty})` : ""}${s.online ? "" : " – not signed in"}${s.call_id ? " – busy" : ""}`,
    ),
  );
  options.unshift(el("option", { value: "" }, options.some((o) => !o.disabled) ? chooseText : emptyText));
  select.replaceChildren(...options);
  if ([...select.options].some((o) => o.value === current)) select.value = current;
}
