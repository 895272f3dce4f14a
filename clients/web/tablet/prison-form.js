// A prison healthcare unit's call form: the care-home form's steps, with the patient found
// by NHS number or prison number and shown as initials and prison number (the tablet faces
// the room: names appear only while the nurse has chosen "Show names"), and the prison's
// questions — "Without this call, what would happen?" and who is with the patient.

import { $, $$, el } from "/js/shared/dom.js";
import { CallForm } from "./call-form.js";

export class PrisonForm extends CallForm {
  constructor(form, options) {
    super(form, options);
    this.revealed = false;
    this.searchSeq = 0;
    this.timer = null;
    $("#reveal-names")?.addEventListener("click", () => this.#reveal(!this.revealed));
    $("#prisoner-search")?.addEventListener("input", (e) => {
      clearTimeout(this.timer);
      const q = e.target.value.trim();
      this.timer = setTimeout(() => this.#search(q), 200);
    });
  }

  // The call/start fields: the counterfactual goes in prison_intent (see docs/protocol.md).
  request() {
    const request = super.request();
    request.channel = "prison_urgent";
    request.prison_intent = request.home_intent;
    request.home_intent = "unknown";
    request.accompanied_by = $$('input[name="accompanied_by"]:checked').map((i) => i.value);
    return request;
  }

  #reveal(on) {
    this.revealed = on;
    for (const name of $$(".tablet-reveal")) name.hidden = !on;
    const button = $("#reveal-names");
    button.textContent = on ? "Hide names" : "Show names";
    button.setAttribute("aria-pressed", String(on));
  }

  #button(person) {
    const initials = [person.given_name, person.family_name].map((n) => `${n[0].toUpperCase()}.`).join("");
    const label = `${initials} · ${person.prison_number || `NHS …${person.nhs_number.slice(-4)}`}`;
    const born = new Date(person.date_of_birth).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
    return el(
      "li",
      {},
      el(
        "button",
        { type: "button", class: "tablet-choice", "data-person-id": person.id, "data-name": label, "data-recent": "false" },
        el("span", { class: "tablet-choice__title", text: label }),
        el("span", { class: "tablet-choice__hint tablet-reveal", hidden: !this.revealed, text: `${person.given_name} ${person.family_name}, born ${born}` }),
      ),
    );
  }

  async #search(q) {
    const mine = ++this.searchSeq;
    const response = await fetch(`/api/residents?q=${encodeURIComponent(q)}`, { credentials: "same-origin" });
    if (!response.ok || mine !== this.searchSeq) return;
    const people = await response.json();
    $("#resident-list").replaceChildren(...people.map((p) => this.#button(p)));
    $("#resident-count").textContent = people.length === 1 ? "1 patient found" : `${people.length} patients found`;
  }
}
