// The palliative (Gold Line) register beside the call and on the person's page: the
// person's current entry, its earlier versions, their death if recorded, and (for an
// editor) the form that adds the next version. Nothing is overwritten: every save is a new version on the hub.

import { withCsrf } from "/js/shared/csrf.js";
import { el } from "/js/shared/dom.js";
import { londonTime } from "./format.js";

const CHOICES = {
  preferred_place_of_care: "care_place",
  preferred_place_of_death: "care_place",
  respect_status: "resuscitation_status",
  anticipatory_medicines: "yes_no_unknown",
  lpa_health: "yes_no_unknown",
};
const FIELDS = [
  ["preferred_place_of_care", "Preferred place of care"],
  ["preferred_place_of_death", "Preferred place of death"],
  ["respect_status", "ReSPECT / DNACPR"],
  ["respect_date", "ReSPECT / DNACPR date", "date"],
  ["anticipatory_medicines", "Just in case medicines in the home"],
  ["anticipatory_medicines_date", "Just in case medicines date", "date"],
  ["district_nurse_team", "District nurse team", "text"],
  ["gp_practice", "GP practice", "text"],
  ["hospice", "Hospice", "text"],
  ["lpa_health", "Lasting power of attorney for health"],
  ["joined_on", "Joined the register", "date"],
];
const TODAY = () => new Date().toLocaleDateString("en-CA", { timeZone: "Europe/London" });

export class RegisterPanel {
  constructor({ card, box, labels, canEdit }) {
    this.card = card;
    this.box = box;
    this.labels = labels;
    this.canEdit = canEdit;
    this.personId = null;
    this.record = null;
  }

  label(kind, code) {
    return this.labels[kind]?.[code] ?? code;
  }

  shown(field, value) {
    if (value === null || value === undefined || value === "") return "None recorded";
    return CHOICES[field] ? this.label(CHOICES[field], value) : value;
  }

  // A call in front of the nurse: shown for a Gold Line call, or anyone already on it.
  async show(call) {
    this.personId = call.person_id ?? null;
    this.card.hidden = true;
    if (!this.personId) return;
    const record = await this.load(this.personId);
    if (!record || this.personId !== call.person_id) return;
    if (call.channel !== "gold_line" && !record.current) return;
    this.card.hidden = false;
    this.render(record);
  }

  // The person's own page: their entry whether or not they are on the register yet.
  async showPerson(personId) {
    this.personId = personId;
    const record = await this.load(personId);
    if (record) this.render(record);
  }

  async load(personId) {
    const response = await fetch(`/api/residents/${personId}/palliative`);
    if (!response.ok) {
      this.box.replaceChildren(el("p", {}, "The palliative register could not be read."));
      return null;
    }
    return response.json();
  }

  // ``typed``: what the nurse entered and the hub did not take; it stays in the form.
  render(record, problem = null, typed = null) {
    this.record = record;
    const current = record.current;
    const row = ([field, words]) =>
      el(
        "div",
        { class: "nhsuk-summary-list__row" },
        el("dt", { class: "nhsuk-summary-list__key" }, words),
        el("dd", { class: "nhsuk-summary-list__value", dataset: { field } }, this.shown(field, current?.[field])),
      );
    // replaceChildren, unlike el(), would show a null as the text "null": leave them out.
    const parts = [
      problem ? el("p", { class: "nhsuk-error-message", role: "alert", id: "register-problem" }, problem) : null,
      current
        ? el("p", { class: "console-small console-muted", id: "register-version" }, `Version ${current.version}, by ${current.recorded_by_name}, ${londonTime(current.recorded_at, true)}`)
        : el("p", { class: "console-muted", id: "register-version" }, "Not on the register yet."),
      current ? el("dl", { class: "nhsuk-summary-list console-summary", id: "register-current" }, FIELDS.map(row)) : null,
      record.death
        ? el(
            "p",
            { id: "register-death" },
            el("strong", {}, "Died "),
            `${record.death.died_on}, ${this.label("death_place", record.death.place)}`,
            record.death.version > 1 ? ` (corrected: ${record.death.reason})` : "",
          )
        : null,
      (record.death_history ?? []).length > 1 ? this.deathHistory(record.death_history.slice(1)) : null,
      record.history.length > 1 ? this.history(record.history.slice(1)) : null,
      this.canEdit ? this.form(current, typed) : null,
      this.canEdit && current && !record.death ? this.deathForm() : null,
      this.canEdit && record.death ? this.deathForm(record.death) : null,
    ];
    this.box.replaceChildren(...parts.filter((part) => part !== null));
  }

  history(earlier) {
    return el(
      "details",
      { class: "nhsuk-details", id: "register-history" },
      el("summary", { class: "nhsuk-details__summary" }, el("span", { class: "nhsuk-details__summary-text" }, `Earlier versions (${earlier.length})`)),
      el(
        "ol",
        { class: "nhsuk-details__text console-small" },
        earlier.map((v) =>
          el(
            "li",
            {},
            `Version ${v.version}, ${v.recorded_by_name}, ${londonTime(v.recorded_at, true)}: `,
            FIELDS.map(([f, words]) => `${words}: ${this.shown(f, v[f])}`).join("; "),
          ),
        ),
      ),
    );
  }

  input([field, words, kind], current, typed) {
    const id = `register-${field}`;
    const value = (typed ? typed[field] : current?.[field]) ?? (field === "joined_on" ? TODAY() : "");
    let control;
    if (CHOICES[field]) {
      const options = Object.entries(this.labels[CHOICES[field]]);
      const chosen = value || options.find(([code]) => ["not_discussed", "not_recorded", "unknown"].includes(code))?.[0];
      control = el(
        "select",
        { class: "nhsuk-select", id, name: field },
        options.map(([code, text]) => el("option", { value: code, selected: code === chosen }, text)),
      );
    } else {
      control = el("input", {
        class: `nhsuk-input${kind === "text" ? "" : " nhsuk-input--width-10"}`,
        id,
        name: field,
        type: kind,
        value,
        max: kind === "date" ? TODAY() : null,
        maxlength: kind === "text" ? 200 : null,
        autocomplete: "off",
      });
    }
    return el("div", { class: "nhsuk-form-group" }, el("label", { class: "nhsuk-label console-small", for: id }, words), control);
  }

  form(current, typed) {
    const form = el(
      "form",
      { id: "register-form", novalidate: true, onsubmit: (e) => (e.preventDefault(), this.save(form)) },
      FIELDS.map((f) => this.input(f, current, typed)),
      el("button", { type: "submit", class: "nhsuk-button nhsuk-button--secondary console-button-small", id: "register-save" }, current ? "Save as a new version" : "Add to the register"),
    );
    return el(
      "details",
      { class: "nhsuk-details", id: "register-change", open: typed !== null },
      el("summary", { class: "nhsuk-details__summary" }, el("span", { class: "nhsuk-details__summary-text" }, current ? "Change the register" : "Add to the register")),
      el("div", { class: "nhsuk-details__text" }, form),
    );
  }

  deathHistory(earlier) {
    return el(
      "details",
      { class: "nhsuk-details", id: "register-death-history" },
      el("summary", { class: "nhsuk-details__summary" }, el("span", { class: "nhsuk-details__summary-text" }, `Earlier death records (${earlier.length})`)),
      el(
        "ol",
        { class: "nhsuk-details__text console-small" },
        earlier.map((d) => el("li", {}, `Version ${d.version}, ${d.recorded_by_name}, ${londonTime(d.recorded_at, true)}: ${d.died_on}, ${this.label("death_place", d.place)}`)),
      ),
    );
  }

  // The first record of a death, or (given the current record) its correction: a new
  // version with a reason; the hub keeps the one it corrects.
  deathForm(death = null) {
    const form = el(
      "form",
      { id: "death-form", novalidate: true, onsubmit: (e) => (e.preventDefault(), this.recordDeath(form, death)) },
      el("div", { class: "nhsuk-form-group" }, el("label", { class: "nhsuk-label console-small", for: "death-date" }, "Date of death"), el("input", { class: "nhsuk-input nhsuk-input--width-10", id: "death-date", name: "died_on", type: "date", max: TODAY(), value: death?.died_on ?? "" })),
      el(
        "div",
        { class: "nhsuk-form-group" },
        el("label", { class: "nhsuk-label console-small", for: "death-place" }, "Place of death"),
        el("select", { class: "nhsuk-select", id: "death-place", name: "place" }, Object.entries(this.labels.death_place).map(([code, text]) => el("option", { value: code, selected: code === death?.place }, text))),
      ),
      death
        ? el("div", { class: "nhsuk-form-group" }, el("label", { class: "nhsuk-label console-small", for: "death-reason" }, "Why the record was wrong"), el("input", { class: "nhsuk-input", id: "death-reason", name: "reason", type: "text", maxlength: 500, autocomplete: "off" }))
        : null,
      el("button", { type: "submit", class: "nhsuk-button nhsuk-button--secondary console-button-small", id: "death-save" }, death ? "Save the correction" : "Record the death"),
    );
    return el(
      "details",
      { class: "nhsuk-details", id: "register-death-record" },
      el("summary", { class: "nhsuk-details__summary" }, el("span", { class: "nhsuk-details__summary-text" }, death ? "Correct the death record" : "Record a death")),
      el("div", { class: "nhsuk-details__text" }, form),
    );
  }

  async save(form) {
    const body = { base_version: this.record?.current?.version ?? 0 };
    for (const [field] of FIELDS) body[field] = form.elements[field].value || null;
    await this.send(`/api/residents/${this.personId}/palliative`, body, body);
  }

  async recordDeath(form, death) {
    const body = { died_on: form.elements.died_on.value || null, place: form.elements.place.value };
    if (!death) return this.send(`/api/residents/${this.personId}/death`, body);
    const correction = { ...body, reason: form.elements.reason.value, base_version: death.version };
    return this.send(`/api/residents/${this.personId}/death/corrections`, correction);
  }

  async send(url, body, typed = null) {
    const personId = this.personId;
    const response = await fetch(url, { method: "POST", headers: withCsrf({ "Content-Type": "application/json" }), body: JSON.stringify(body) });
    if (personId !== this.personId) return;
    if (response.ok) {
      this.render(await response.json());
      return;
    }
    const problem = await response.json().catch(() => ({}));
    const fresh = (await this.load(personId)) ?? this.record;
    this.render(fresh, problem.message ?? `The hub answered ${response.status}; nothing was saved.`, typed);
  }
}
