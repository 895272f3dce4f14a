// The wrap-up form: loaded from the hub's draft, saved to the hub as the nurse types (a save
// is acknowledged only once it is committed, so a crashed browser or closed tab loses
// nothing acknowledged), and submitted as the record. The hub refuses a record with a
// required field missing and names it; the form shows every missing field beside it.

import { withCsrf } from "/js/shared/csrf.js";
import { el } from "/js/shared/dom.js";
import { londonTime } from "./format.js";

const REQUIRED = {
  disposition: "Select the disposition: what happened at the end of the call",
  nurse_counterfactual: "Select the nurse counterfactual: what would most likely have happened without the call",
  clinical_note: "Enter a clinical note",
};
const SAVE_DELAY_MS = 400;

export class WrapUpForm {
  constructor({ form, onClosed }) {
    this.form = form;
    this.onClosed = onClosed;
    this.callId = null;
    this.revision = 0;
    this.timer = null;
    this.saving = null;
    this.dirty = false;
    this.status = form.querySelector("#draft-status");
    this.summary = form.querySelector("#wrapup-errors");
    this.summaryList = form.querySelector("#wrapup-error-list");
    this.hint = form.querySelector("#follow-up-hint");
    this.notes = form.querySelector("#draft-notes");
    this.noteList = form.querySelector("#draft-note-list");
    form.addEventListener("input", () => this.changed());
    form.addEventListener("change", () => this.changed());
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    // A closing tab: send what has not been saved yet, without waiting for the answer.
    window.addEventListener("pagehide", () => {
      if (this.callId && this.dirty) this.put({ keepalive: true }).catch(() => {});
    });
  }

  async load(callId) {
    if (this.callId === callId) return;
    this.callId = callId;
    this.revision = 0;
    this.dirty = false;
    this.clearErrors();
    this.form.reset();
    this.markRecorded([]);
    this.showNotes([]);
    this.status.textContent = "";
    const response = await fetch(`/api/calls/${encodeURIComponent(callId)}/wrap-up`);
    if (!response.ok) return;
    const draft = await response.json();
    if (this.callId !== callId) return;
    this.fill(draft.answers);
    this.applyDraft(draft);
    this.showNotes(draft.notes ?? []);
  }

  // What the hub could not restore from the saved draft (a code since retired): the nurse
  // chooses it again, knowing why it is empty.
  showNotes(notes) {
    this.noteList.replaceChildren(...notes.map((note) => el("li", {}, note)));
    this.notes.hidden = notes.length === 0;
  }

  // The hub records some escalations itself (a specialist who joined): show them ticked and
  // fixed, whatever the draft says.
  async refreshRecorded() {
    const callId = this.callId;
    if (!callId) return;
    const response = await fetch(`/api/calls/${encodeURIComponent(callId)}/wrap-up`);
    if (!response.ok || this.callId !== callId) return;
    this.markRecorded((await response.json()).recorded_escalations);
  }

  markRecorded(codes) {
    this.recorded = new Set(codes);
    for (const input of this.form.querySelectorAll('input[name="escalations"]')) {
      const fixed = this.recorded.has(input.value);
      if (fixed) input.checked = true;
      input.disabled = fixed;
      const label = this.form.querySelector(`label[for="${input.id}"]`);
      label.querySelector(".console-recorded")?.remove();
      if (fixed) label.append(el("span", { class: "console-recorded console-muted console-small" }, " (recorded by the hub)"));
    }
  }

  forget() {
    this.callId = null;
    clearTimeout(this.timer);
    this.form.reset();
    this.markRecorded([]);
    this.showNotes([]);
    this.clearErrors();
  }

  fill(answers) {
    const f = this.form.elements;
    for (const name of ["disposition", "nurse_counterfactual"]) {
      for (const input of this.form.querySelectorAll(`input[name="${name}"]`)) {
        input.checked = input.value === answers[name];
      }
    }
    for (const input of this.form.querySelectorAll('input[name="escalations"]')) {
      input.checked = answers.escalations.includes(input.value);
    }
    f.clinical_note.value = answers.clinical_note ?? "";
    for (const input of this.form.querySelectorAll('input[name="gold_line_outcome"]')) {
      input.checked = input.value === answers.gold_line_outcome;
    }
    if (f.advice_to_home) f.advice_to_home.value = answers.advice_to_home ?? "";
    for (const input of this.form.querySelectorAll('input[name="escort_needed"]')) {
      input.checked = answers.escort_needed != null && input.value === (answers.escort_needed ? "yes" : "no");
    }
    const follow = answers.follow_up_needed === null ? "default" : answers.follow_up_needed ? "yes" : "no";
    for (const input of this.form.querySelectorAll('input[name="follow_up_needed"]')) {
      input.checked = input.value === follow;
    }
  }

  answers() {
    const data = new FormData(this.form);
    const follow = data.get("follow_up_needed");
    return {
      disposition: data.get("disposition") || null,
      nurse_counterfactual: data.get("nurse_counterfactual") || null,
      escalations: [...new Set([...data.getAll("escalations"), ...(this.recorded ?? [])])],
      clinical_note: String(data.get("clinical_note") ?? ""),
      advice_to_home: String(data.get("advice_to_home") ?? ""),
      follow_up_needed: follow === "yes" ? true : follow === "no" ? false : null,
      ...escortAnswer(data),
      ...goldLineAnswer(data),
    };
  }

  applyDraft(draft) {
    this.revision = draft.revision;
    this.markRecorded(draft.recorded_escalations);
    if (draft.saved_at) this.status.textContent = `Draft saved at ${londonTime(draft.saved_at)}.`;
    this.hint.textContent = !draft.answers.disposition
      ? "Default: yes if the call claims an avoided ambulance, A&E attendance or admission (choose the disposition first)."
      : draft.claims.length
        ? `Default is yes: this call claims ${draft.claims.map((c) => c.replace(/^Avoided /, "avoided ")).join(", ")}.`
        : "Default is no: this call claims no avoided ambulance, A&E attendance or admission.";
  }

  changed() {
    if (!this.callId) return;
    this.dirty = true;
    this.status.textContent = "Saving draft…";
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), SAVE_DELAY_MS);
  }

  // One save in flight at a time; a change made meanwhile is saved straight after.
  async save() {
    clearTimeout(this.timer);
    if (this.saving) {
      await this.saving.catch(() => {});
      if (!this.dirty) return;
    }
    if (!this.callId || !this.dirty) return;
    this.dirty = false;
    this.saving = this.put();
    try {
      const response = await this.saving;
      if (response.ok) {
        this.applyDraft(await response.json());
      } else {
        const error = await response.json().catch(() => ({}));
        this.status.textContent = `Draft not saved: ${error.message ?? response.status}`;
        if (response.status !== 409) this.dirty = true;
      }
    } catch {
      this.dirty = true;
      this.status.textContent = "Draft not saved: no connection. Retrying…";
      this.timer = setTimeout(() => this.save(), 2000);
    } finally {
      this.saving = null;
    }
    if (this.dirty) this.save();
  }

  put({ keepalive = false } = {}) {
    return fetch(`/api/calls/${encodeURIComponent(this.callId)}/wrap-up`, {
      method: "PUT",
      headers: withCsrf({ "Content-Type": "application/json" }),
      body: JSON.stringify({ ...this.answers(), revision: this.revision }),
      keepalive,
    });
  }

  missing(answers) {
    return Object.keys(REQUIRED).filter((name) =>
      name === "clinical_note" ? !answers.clinical_note.trim() : !answers[name],
    );
  }

  async submit() {
    if (!this.callId) return;
    const callId = this.callId;
    await this.save();
    const answers = this.answers();
    const response = await fetch(`/api/calls/${encodeURIComponent(callId)}/outcome`, {
      method: "POST",
      headers: withCsrf({ "Content-Type": "application/json" }),
      body: JSON.stringify(answers),
    });
    if (response.ok) {
      this.clearErrors();
      this.callId = null;
      this.onClosed?.(await response.json());
      return;
    }
    const error = await response.json().catch(() => ({ message: `The hub answered ${response.status}` }));
    this.showErrors(error, this.missing(answers));
  }

  clearErrors() {
    this.summary.hidden = true;
    this.summaryList.replaceChildren();
    for (const name of Object.keys(REQUIRED)) {
      this.form.querySelector(`#group-${name}`)?.classList.remove("nhsuk-form-group--error");
      const message = this.form.querySelector(`#${name}-error`);
      if (message) {
        message.hidden = true;
        message.textContent = "";
      }
    }
  }

  // The hub's refusal first (it names the field), then any other missing field beside it.
  showErrors(error, missing) {
    this.clearErrors();
    const fields = [...new Set([error.field, ...missing].filter((f) => f && REQUIRED[f]))];
    const items = [];
    if (!error.field || !REQUIRED[error.field]) {
      items.push(el("li", {}, error.message));
    }
    for (const name of fields) {
      const text = REQUIRED[name];
      items.push(el("li", {}, el("a", { href: `#${name === "clinical_note" ? name : `${name}-${firstValue(this.form, name)}`}` }, text)));
      this.form.querySelector(`#group-${name}`)?.classList.add("nhsuk-form-group--error");
      const message = this.form.querySelector(`#${name}-error`);
      if (message) {
        message.hidden = false;
        message.replaceChildren(el("span", { class: "nhsuk-u-visually-hidden" }, "Error: "), REQUIRED[name]);
      }
    }
    this.summaryList.replaceChildren(...items);
    this.summary.hidden = false;
    this.summary.focus();
  }
}

function firstValue(form, name) {
  return form.querySelector(`input[name="${name}"]`)?.value ?? "";
}

// A prison call's record says whether an escorted transfer was needed (the question shows
// only for prison calls; other calls send nothing for it).
function escortAnswer(data) {
  if (document.getElementById("group-escort_needed")?.hidden !== false) return {};
  const escort = data.get("escort_needed");
  return { escort_needed: escort === "yes" ? true : escort === "no" ? false : null };
}

// A Gold Line call's record says what the call led to (the question shows only for Gold
// Line calls; other calls send nothing for it).
function goldLineAnswer(data) {
  if (document.getElementById("group-gold_line_outcome")?.hidden !== false) return {};
  return { gold_line_outcome: data.get("gold_line_outcome") || null };
}
