// The live queue: every waiting call as a row, ordered as the hub orders it, its wait ticking
// against the answer target. Alerts when a call arrives or passes the target.

import { NEW_CALL, OVERDUE } from "./alerts.js";
import { el } from "/js/shared/dom.js";
import { formatWait } from "/js/shared/format.js";
import { NEWS2_TAGS } from "./format.js";

export class QueueView {
  constructor({ list, count, empty, labels, target, alerts, canAccept, onAccept }) {
    this.list = list;
    this.count = count;
    this.empty = empty;
    this.labels = labels;
    this.target = target;
    this.alerts = alerts;
    this.canAccept = canAccept;
    this.onAccept = onAccept;
    this.entries = [];
    this.receivedAt = performance.now();
    this.seen = null; // call ids seen so far; null until the first list arrives
    this.overdueAlerted = new Set();
    this.timer = setInterval(() => this.tick(), 1000);
  }

  waited(entry) {
    return entry.waited_seconds + (performance.now() - this.receivedAt) / 1000;
  }

  update(entries) {
    const first = this.seen === null;
    const seen = this.seen ?? new Set();
    const arrived = entries.filter((e) => !seen.has(e.call.id));
    this.entries = entries;
    this.receivedAt = performance.now();
    this.seen = new Set(entries.map((e) => e.call.id));
    for (const id of [...this.overdueAlerted]) if (!this.seen.has(id)) this.overdueAlerted.delete(id);
    this.render(first ? new Set() : new Set(arrived.map((e) => e.call.id)));
    if (!first && arrived.length) {
      const e = arrived[0];
      const who = e.call.person_name ? `, ${e.call.person_name}` : "";
      const more = arrived.length > 1 ? ` (and ${arrived.length - 1} more)` : "";
      this.alerts.show(
        `New call from ${e.call.site_name}${who}: ${this.label("reason", e.call.reason)}${more}`,
        { tone: e.call.priority >= 3 ? "urgent" : "info", sound: NEW_CALL },
      );
    }
  }

  label(kind, code) {
    return this.labels[kind]?.[code] ?? code;
  }

  overdue(callId, waitedSeconds) {
    if (this.overdueAlerted.has(callId)) return;
    const entry = this.entries.find((e) => e.call.id === callId);
    if (!entry) return;
    this.overdueAlerted.add(callId);
    this.alerts.show(
      `Past the answer target: ${entry.call.site_name} has waited ${formatWait(waitedSeconds ?? this.waited(entry))}`,
      { tone: "urgent", sound: OVERDUE },
    );
    this.tick();
  }

  render(fresh = new Set()) {
    const rows = this.entries.map((entry) => this.row(entry, fresh.has(entry.call.id)));
    this.list.replaceChildren(...rows);
    this.count.textContent = String(this.entries.length);
    this.empty.hidden = this.entries.length > 0;
    this.alerts.title(this.entries.length);
  }

  row(entry, fresh) {
    const c = entry.call;
    const overdue = entry.overdue || this.waited(entry) > this.target;
    const news2 = c.news2
      ? el(
          "strong",
          { class: `nhsuk-tag nhsuk-tag--${NEWS2_TAGS[c.news2.band] ?? "grey"} console-tag` },
          `NEWS2 ${c.news2.total} ${c.news2.band.replace("_", "–")}${c.news2.complete ? "" : " (partial)"}`,
        )
      : el("span", { class: "console-muted" }, "No NEWS2");
    const signs = c.soft_signs.length
      ? c.soft_signs.map((s) => this.label("soft_sign", s)).join("; ")
      : "none";
    const accept = this.canAccept
      ? el(
          "button",
          {
            type: "button",
            class: "console-button-small console-accept",
            dataset: { accept: c.id },
            onclick: () => this.onAccept(c.id),
          },
          "Accept",
          el("span", { class: "nhsuk-u-visually-hidden" }, ` call from ${c.site_name}`),
          entry.position === 1 ? el("kbd", {}, "A") : null,
        )
      : null;
    const offered = c.state === "ringing" ? el("span", { class: "console-small console-muted" }, " · being transferred") : null;
    return el(
      "li",
      {
        class: [
          "console-queue__item",
          `console-priority-${c.priority}`,
          overdue ? "console-queue__item--overdue" : "",
          fresh ? "console-queue__item--new" : "",
        ].join(" "),
        dataset: { callId: c.id },
      },
      el(
        "div",
        { class: "console-queue__top" },
        el("span", { class: "console-queue__pos", "aria-label": `Position ${entry.position}` }, String(entry.position)),
        el("span", { class: "console-queue__site" }, el("strong", {}, c.site_name), offered),
        el(
          "span",
          { class: "console-queue__wait", dataset: { waitFor: c.id }, title: "Time waiting" },
          formatWait(this.waited(entry), { clock: true }),
          overdue ? el("span", { class: "console-overdue-word" }, " over target") : null,
        ),
      ),
      el(
        "p",
        { class: "console-queue__line console-small console-muted" },
        this.label("site_kind", c.site_kind),
        c.channel === "care_home" ? "" : ` · ${this.label("channel", c.channel)}`,
      ),
      el(
        "p",
        { class: "console-queue__line" },
        el("strong", {}, this.label("reason", c.reason)),
        c.secondary_reason ? ` + ${this.label("reason", c.secondary_reason)}` : "",
        " · ",
        c.person_name ?? "Resident not named",
      ),
      c.caller_relationship
        ? el(
            "p",
            { class: "console-queue__line console-small", dataset: { caller: c.caller_relationship } },
            c.caller_relationship === "carer"
              ? `${this.label("caller_relationship", "carer")} calling about ${c.person_name ?? "the patient"}`
              : `${c.person_name ?? "The patient"} calling for themselves`,
          )
        : null,
      el("p", { class: "console-queue__line" }, news2, " ", el("span", {}, `Soft signs: ${signs}`)),
      el(
        "p",
        { class: "console-queue__line console-small" },
        `Home would otherwise: ${this.label("home_intent", c.home_intent)}`,
      ),
      c.concern ? el("p", { class: "console-queue__line console-small console-muted" }, `“${c.concern}”`) : null,
      accept,
    );
  }

  tick() {
    for (const entry of this.entries) {
      const node = this.list.querySelector(`[data-wait-for="${CSS.escape(entry.call.id)}"]`);
      if (!node) continue;
      const waited = this.waited(entry);
      const overdue = entry.overdue || waited > this.target;
      node.firstChild.textContent = formatWait(waited, { clock: true });
      const item = node.closest("li");
      if (overdue && !item.classList.contains("console-queue__item--overdue")) {
        item.classList.add("console-queue__item--overdue");
        node.append(el("span", { class: "console-overdue-word" }, " over target"));
        this.overdue(entry.call.id, waited);
      }
    }
  }

  top() {
    return this.entries[0]?.call.id ?? null;
  }

  focus() {
    const first = this.list.querySelector("button[data-accept]");
    (first ?? document.getElementById("queue-heading")).focus();
  }
}
