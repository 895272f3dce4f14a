// Messages with the site during the call in front of this console: what the home sent
// before the call was answered, what arrives live, and the nurse's own.

import { el } from "/js/shared/dom.js";
import { londonTime } from "./format.js";

export class CallThread {
  // call: () => the call shown; alerts: where a message not sent is said.
  constructor({ hub, list, form, input, alerts, call }) {
    this.hub = hub;
    this.list = list;
    this.input = input;
    this.alerts = alerts;
    this.call = call;
    this.messages = [];
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
    });
    hub.addEventListener("message", (e) => this.add(e.detail));
  }

  get selfKey() {
    return this.hub.authOk?.who.participant_key;
  }

  // A fresh call: what the home sent about it before it was answered (the socket has the
  // whole thread: replayed on connect, live since).
  start(call) {
    this.messages = [];
    this.list.replaceChildren();
    const before = [...this.hub.messages.values()].filter((m) => m.call_id === call.id);
    for (const m of before.sort((a, b) => a.hub_seq - b.hub_seq)) this.add(m);
  }

  add(message) {
    const call = this.call();
    if (!call || message.site_id !== call.site_id) return;
    if (message.call_id && message.call_id !== call.id) return;
    if (this.messages.some((m) => m.id === message.id)) return;
    this.messages.push(message);
    const mine = message.sender_key === this.selfKey;
    this.list.append(
      el(
        "li",
        { class: `console-thread__item${mine ? " console-thread__item--mine" : ""}` },
        el("span", { class: "console-small console-muted" }, `${message.sender_name}, ${londonTime(message.created_at)}`),
        el("br"),
        message.body,
      ),
    );
  }

  async send() {
    const body = this.input.value.trim();
    const call = this.call();
    if (!body || !call) return;
    try {
      await this.hub.command("message/send", {
        site_id: call.site_id,
        call_id: call.id,
        client_message_id: crypto.randomUUID(),
        body,
      });
      this.input.value = "";
    } catch (err) {
      this.alerts.show(`Message not sent: ${err.message}`, { tone: "urgent" });
    }
  }
}
