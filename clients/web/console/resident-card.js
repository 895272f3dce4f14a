// The resident card beside the call in front of this console: who the call is about, their
// ReSPECT / DNACPR status, conditions, allergies, care wishes and last calls. Their page
// and each call's record open in a new tab, so the nurse is not drawn away from a live call.

import { el } from "/js/shared/dom.js";
import { londonTime } from "./format.js";

const NEW_TAB = { target: "_blank", rel: "noopener" };

export class ResidentCard {
  // label: (kind, code) => words; current: () => the call shown now (a slow read for a
  // call no longer in front of the console is dropped).
  constructor({ box, label, current }) {
    this.box = box;
    this.label = label;
    this.current = current;
  }

  async show(call) {
    const box = this.box;
    if (!call.person_id) {
      box.replaceChildren(el("p", { class: "console-muted" }, "No resident named on this call."));
      return;
    }
    box.replaceChildren(el("p", { class: "console-muted" }, "Loading…"));
    const response = await fetch(`/api/residents/${call.person_id}/summary?call=${encodeURIComponent(call.id)}`);
    if (!response.ok || this.current()?.id !== call.id) {
      if (this.current()?.id === call.id) box.replaceChildren(el("p", {}, "The resident's record could not be read."));
      return;
    }
    const r = await response.json();
    const resus = r.resuscitation_status;
    const resusClass = resus === "for_cpr" ? "green" : resus === "not_recorded" ? "grey" : "red";
    const row = (key, value) =>
      el("div", { class: "nhsuk-summary-list__row" }, el("dt", { class: "nhsuk-summary-list__key" }, key), el("dd", { class: "nhsuk-summary-list__value" }, value || "None recorded"));
    box.replaceChildren(
      el("p", { class: "console-resident__name" }, el("strong", {}, r.name), ` · ${r.age} years · NHS ${r.nhs_number.replace(/(\d{3})(\d{3})(\d{4})/, "$1 $2 $3")}`),
      el("p", {}, el("a", { href: `/console/people/${call.person_id}`, ...NEW_TAB }, "Open this person's page (opens in a new tab)")),
      el("p", {}, el("strong", { class: `nhsuk-tag nhsuk-tag--${resusClass} console-tag`, id: "resus" }, `ReSPECT / DNACPR: ${r.resuscitation_label}`)),
      el("dl", { class: "nhsuk-summary-list console-summary" }, row("Conditions", r.key_conditions), row("Allergies", r.allergies), row("Care wishes", r.care_wishes)),
      el("h4", { class: "nhsuk-heading-xs" }, "Last calls"),
      r.recent_calls.length
        ? el(
            "ol",
            { class: "console-recent" },
            r.recent_calls.map((c) =>
              el(
                "li",
                {},
                el("a", { href: `/console/calls/${c.id}`, ...NEW_TAB }, londonTime(c.started_at, true)),
                ` · ${c.reason} · `,
                el("strong", {}, c.disposition ?? this.label("call_state", c.state)),
                c.note ? el("span", { class: "console-muted console-small" }, ` – ${c.note}`) : null,
              ),
            ),
          )
        : el("p", { class: "console-muted" }, "No earlier calls."),
    );
  }
}
