// The live queue: every waiting call as a row, ordered as the hub orders it, its wait ticking
// against the answer target. Alerts when a call arrives or passes the target, and when the
// home sends a message about a call still waiting (it may change the call's priority).

import { NEW_CALL, OVERDUE, WAITING_MESSAGE } from "./alerts.js";
import { el } from "/js/shared/dom.js";
import { formatWait } from "/js/shared/format.js";
import { NEWS2_TAGS } from "./format.js";

export class QueueView {
  constructor({ list, count, overdueCount, empty, labels, target, alerts, canAccept, onAccept }) {
    this.list = list;
    this.count = count;
    this.overdueCount = overdueCount;
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
    this.said = new Map(); // call id -> the home's messages about it, in thread order
    this.selfKey = null; // this console's participant key: its own messages are not alerts
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
    if (first) this.alertOverdueOnSignIn();
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

  // Signed in (or back) to calls already past the target: say so at once, for them all.
  alertOverdueOnSignIn() {
    const late = this.entries.filter((e) => this.isOverdue(e));
    if (!late.length) return;
    for (const e of late) this.overdueAlerted.add(e.call.id);
    const words = late.length === 1 ? "1 call is" : `${late.length} calls are`;
    this.alerts.show(`${words} already past the answer target: the longest has waited ${formatWait(Math.max(...late.map((e) => this.waited(e))))}`, {
      tone: "urgent",
      sound: OVERDUE,
      sticky: true,
    });
  }

  // A thread message: the home's words about a call in the queue go on its card, with an
  // alert (once per message).
  message(message) {
    if (!message.call_id || message.sender_key === this.selfKey) return;
    const said = this.said.get(message.call_id) ?? [];
    if (said.some((m) => m.id === message.id)) return;
    said.push(message);
    said.sort((a, b) => a.hub_seq - b.hub_seq);
    this.said.set(message.call_id, said);
    const entry = this.entries.find((e) => e.call.id === message.call_id);
    if (!entry) return;
    this.render();
    this.alerts.show(`Message from ${entry.call.site_name} while waiting: “${message.body}”`, {
      tone: "urgent",
      sound: WAITING_MESSAGE,
      sticky: true,
    });
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
    const focused = this.focusedCallId(); // kept through the re-render (a re-triage moves it)
    const rows = this.entries.map((entry) => this.row(entry, fresh.has(entry.call.id)));
    this.list.replaceChildren(...rows);
    if (focused) this.list.querySelector(`[data-call-id="${CSS.escape(focused)}"] button[data-accept]`)?.focus();
    this.count.textContent = String(this.entries.length);
    this.countOverdue();
    this.empty.hidden = this.entries.length > 0;
    this.alerts.title(this.entries.length);
  }

  // One compact card (three short lines, so eight to ten calls fit a 1080p screen): where
  // and how long; NEWS2, reason and who; soft signs, what the home would otherwise do and
  // its words (clipped to one line; the whole text is in the card's title).
  row(entry, fresh) {
    const c = entry.call;
    const overdue = this.isOverdue(entry);
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
    const kind = [this.label("site_kind", c.site_kind), c.channel === "care_home" ? "" : this.label("channel", c.channel)]
      .filter(Boolean)
      .join(" · ");
    const details = [
      c.concern ? `“${c.concern}”` : "",
      `Soft signs: ${signs}`,
      `Would otherwise: ${this.label("home_intent", c.home_intent)}`,
    ]
      .filter(Boolean)
      .join(" · ");
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
        el("span", { class: "console-queue__site" }, el("strong", {}, c.site_name), el("span", { class: "console-small console-muted" }, ` ${kind}`), offered),
        el(
          "span",
          { class: "console-queue__wait", dataset: { waitFor: c.id }, title: "Time waiting" },
          formatWait(this.waited(entry), { clock: true }),
          overdue ? el("span", { class: "console-overdue-word" }, " over target") : null,
        ),
        accept,
      ),
      el(
        "p",
        { class: "console-queue__line" },
        news2,
        " ",
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
      el("p", { class: "console-queue__line console-queue__line--clip console-small", title: details }, details),
      this.waitingMessages(c),
    );
  }

  isOverdue(entry) {
    return entry.overdue || this.waited(entry) > this.target;
  }

  // "N over target" beside the queue's count.
  countOverdue() {
    const n = this.entries.filter((e) => this.isOverdue(e)).length;
    if (!this.overdueCount) return n;
    this.overdueCount.hidden = n === 0;
    this.overdueCount.textContent = `${n} over target`;
    return n;
  }

  // The home's latest words while waiting, newest last (the two most recent).
  waitingMessages(call) {
    const said = this.said.get(call.id);
    if (!said?.length) return null;
    const recent = said.slice(-2);
    return el(
      "div",
      { class: "console-queue__said", dataset: { waitingMessage: call.id } },
      el("strong", { class: "console-small" }, said.length === 1 ? "Message while waiting" : `${said.length} messages while waiting`),
      ...recent.map((m) => el("p", { class: "console-queue__line" }, `“${m.body}”`)),
    );
  }

  tick() {
    for (const entry of this.entries) {
      const node = this.list.querySelector(`[data-wait-for="${CSS.escape(entry.call.id)}"]`);
      if (!node) continue;
      const waited = this.waited(entry);
      const overdue = this.isOverdue(entry);
      node.firstChild.textContent = formatWait(waited, { clock: true });
      const item = node.closest("li");
      if (overdue && !item.classList.contains("console-queue__item--overdue")) {
        item.classList.add("console-queue__item--overdue");
        node.append(el("span", { class: "console-overdue-word" }, " over target"));
        this.overdue(entry.call.id, waited);
        this.countOverdue();
      }
    }
  }

  // The call whose card has the keyboard focus, if it is still waiting.
  focusedCallId() {
    const card = document.activeElement?.closest?.("[data-call-id]");
    return card && this.list.contains(card) ? card.dataset.callId : null;
  }

  entryOf(callId) {
    return this.entries.find((e) => e.call.id === callId) ?? null;
  }

  top() {
    return this.entries[0]?.call.id ?? null;
  }

  focus() {
    const first = this.list.querySelector("button[data-accept]");
    (first ?? document.getElementById("queue-heading")).focus();
  }
}
