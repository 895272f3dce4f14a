// The tablet's call form, before anything reaches the hub: the screens of the call page and
// the four steps (who, why, soft signs and observations, check and call), each checked
// before the next, and the call request they add up to. Home patients get one big button
// instead of the steps.

import { $, $$, el } from "/js/shared/dom.js";
import { scoreNews2, formatNews2, BAND_ADVICE } from "./news2.js";
import { showErrors, fieldError } from "./ui.js";

const SECTIONS = {
  simple: "step-simple",
  problem: "step-problem",
  else: "step-else",
  who: "step-who",
  why: "step-why",
  obs: "step-obs",
  send: "step-send",
  waiting: "waiting",
  "in-call": "in-call",
  ended: "ended",
};
const FORM_STEPS = new Set(["who", "why", "obs", "send"]);
const LINE_KEY = "telehub.line";
const INTEGER = /^\d+$/;
const DECIMAL = /^\d+(\.\d+)?$/;
const OBS_LABELS = {
  respiration_rate: "Breathing rate",
  spo2: "Oxygen saturation",
  systolic_bp: "Blood pressure",
  pulse: "Pulse",
  temperature: "Temperature",
};

export class CallForm {
  // onStart: called when the form is complete and the caller asks for the call.
  // locked: true once the call is asked for, after which Back does not undo it.
  constructor(form, { onStart, locked }) {
    this.form = form;
    this.simple = form.dataset.simple === "true";
    // The "what would happen without this call" question's field: a prison asks its own.
    this.intentName = form.dataset.intentName || "home_intent";
    this.onStart = onStart;
    this.locked = locked;
    this.step = null;
    this.personId = null;
    this.personName = "";
    this.answers = {}; // home patients: the two optional questions' codes, once answered
    this.caller = $("#caller-name");
    this.pin = $("#caller-pin"); // shared tablets only; never stored, cleared once used
    this.errors = $("#call-errors");
    this.recentRank = new Map(
      $$("#resident-list [data-person-id]").map((b, i) => [b.dataset.personId, b.dataset.recent === "true" ? i : Infinity]),
    );
    this.searchTimer = null;
    this.searchSeq = 0;
    if (this.caller && form.dataset.caller) this.caller.value = form.dataset.caller;
    this.#bind();
  }

  // Show one screen of the page: a form step, or waiting, in-call or ended.
  goto(step, { push = true } = {}) {
    const section = document.getElementById(SECTIONS[step]);
    for (const s of $$(".tablet-step")) s.hidden = s !== section;
    this.step = step;
    document.body.dataset.screen = step;
    const about = this.personName ? ` · ${this.personName}` : step === "who" ? "" : " · General question";
    for (const caption of $$("[data-about]")) caption.textContent = about;
    if (push && FORM_STEPS.has(step)) history.pushState({ step }, "", `#${step}`);
    $("h1", section)?.focus();
    window.scrollTo(0, 0);
  }

  first() {
    const step = this.simple ? "simple" : "who";
    this.goto(step, { push: false });
    history.replaceState({ step }, "", window.location.pathname);
  }

  // The call/start fields the form adds up to; the PIN is cleared once read.
  request() {
    if (this.simple) {
      const person = this.form.dataset.personId;
      return {
        channel: localStorage.getItem(LINE_KEY) || "home_patient",
        reason: this.answers.reason ?? "unknown", // skipped: not stated
        home_intent: this.answers.home_intent ?? "unknown",
        person_id: person ? Number(person) : null,
      };
    }
    const { observations } = this.#readObservations();
    const request = {
      channel: "care_home",
      person_id: this.personId,
      reason: this.#checked("reason").value,
      home_intent: this.#checked(this.intentName).value,
      concern: $("#concern").value.trim(),
      soft_signs: $$('input[name="soft_signs"]:checked').map((i) => i.value),
      caller_name: this.caller.value.trim(),
    };
    if (this.pin?.value) request.caller_pin = this.pin.value;
    if (taken(observations)) {
      if (observations.temperature !== undefined) observations.temperature = Number(observations.temperature);
      request.observations = observations;
    }
    if (this.pin) this.pin.value = "";
    return request;
  }

  // The hub refused the call: back to the last step, the error named at its field.
  refused(err) {
    const href = err.field ? `#${fieldTarget(err.field)}` : "#start-call";
    this.goto(this.simple ? "simple" : "send");
    const input = { caller_pin: this.pin, caller_name: this.caller }[err.field];
    if (input) fieldError(input, err.message);
    showErrors(this.errors, [{ text: err.message || "The call could not be made. Try again.", href }]);
  }

  #checked(name) {
    return this.form.querySelector(`input[name="${name}"]:checked`);
  }

  #bind() {
    window.addEventListener("popstate", (e) => {
      const step = e.state?.step;
      if (!step || this.locked()) return; // once the call is requested, back does not undo it
      this.goto(step, { push: false });
    });
    for (const button of $$("[data-goto]")) button.addEventListener("click", () => this.goto(button.dataset.goto));
    document.addEventListener("click", (e) => {
      const answer = e.target.closest?.(".tablet-answer, .tablet-answer-skip");
      if (answer) return this.#answer(answer);
      const choice = e.target.closest?.(".tablet-choice");
      if (choice) this.#choose(choice);
    });
    $("#resident-search")?.addEventListener("input", (e) => {
      clearTimeout(this.searchTimer);
      const q = e.target.value.trim();
      this.searchTimer = setTimeout(() => this.#search(q), 200);
    });
    const showNews2 = () => this.#showNews2();
    for (const input of $$("#step-obs input")) input.addEventListener("input", showNews2);
    for (const input of $$("#step-obs input[type=radio], #step-obs input[type=checkbox]")) input.addEventListener("change", showNews2);
    $("#skip-obs")?.addEventListener("click", () => {
      for (const input of $$(".tablet-obs input")) {
        input.value = "";
        fieldError(input, null);
      }
      for (const input of $$('#step-obs input[type="radio"], #obs-spo2-scale-2')) input.checked = false;
      this.#showNews2();
      this.goto("send");
    });
    for (const button of $$("[data-next]")) {
      button.addEventListener("click", () => {
        const errors = button.dataset.next === "why" ? this.#validateWhy() : this.#readObservations().errors;
        showErrors(this.errors, errors);
        if (errors.length) return;
        if (button.dataset.next === "obs") this.#fillSummary();
        this.goto(button.dataset.next === "why" ? "obs" : "send");
      });
    }
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (this.simple) return;
      const errors = this.#validateSend();
      showErrors(this.errors, errors);
      if (!errors.length) this.onStart();
    });
    // Home patients: the line this device calls, remembered on the device.
    for (const radio of $$('input[name="line"]')) {
      if (radio.value === localStorage.getItem(LINE_KEY)) radio.checked = true;
      radio.addEventListener("change", () => localStorage.setItem(LINE_KEY, radio.value));
    }
    // The one button, then two optional questions (each answered or skipped in a tap).
    $("#simple-call")?.addEventListener("click", () => {
      this.answers = {};
      this.goto("problem");
    });
  }

  #answer(button) {
    const field = button.dataset.field;
    if (button.dataset.code) this.answers[field] = button.dataset.code;
    if (field === "reason") this.goto("else");
    else this.onStart();
  }

  // -- step 1: who -------------------------------------------------------------------------
  #choose(button) {
    this.personId = button.dataset.personId ? Number(button.dataset.personId) : null;
    this.personName = button.dataset.name ?? "";
    this.goto("why");
  }

  #residentButton(person) {
    const name = `${person.given_name} ${person.family_name}`;
    const born = new Date(person.date_of_birth).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
    const recent = Number.isFinite(this.recentRank.get(String(person.id)));
    return el(
      "li",
      {},
      el(
        "button",
        { type: "button", class: "tablet-choice", "data-person-id": person.id, "data-name": name, "data-recent": recent },
        el("span", { class: "tablet-choice__title", text: name }),
        el(
          "span",
          { class: "tablet-choice__hint" },
          `Born ${born}, age ${age(person.date_of_birth)}`,
          recent ? el("strong", { class: "nhsuk-tag nhsuk-tag--white tablet-recent", text: "Recent call" }) : null,
        ),
      ),
    );
  }

  async #search(q) {
    const mine = ++this.searchSeq;
    const response = await fetch(`/api/residents?q=${encodeURIComponent(q)}`, { credentials: "same-origin" });
    if (!response.ok || mine !== this.searchSeq) return;
    const people = await response.json();
    const rank = (p) => this.recentRank.get(String(p.id)) ?? Infinity;
    people.sort((a, b) => rank(a) - rank(b) || a.family_name.localeCompare(b.family_name) || a.given_name.localeCompare(b.given_name));
    $("#resident-list").replaceChildren(...people.map((p) => this.#residentButton(p)));
    $("#resident-count").textContent = people.length === 1 ? "1 resident found" : `${people.length} residents found`;
  }

  // -- step 2: why -------------------------------------------------------------------------
  #validateWhy() {
    const errors = [];
    const reason = this.#checked("reason");
    const intent = this.#checked(this.intentName);
    groupError("reason-group", "reason-error", reason ? null : "Choose the main reason for the call");
    groupError("intent-group", "intent-error", intent ? null : "Choose what you would do if you could not call the hub");
    const first = (name) => `#${this.form.querySelector(`input[name="${name}"]`).id}`;
    if (!reason) errors.push({ text: "Choose the main reason for the call", href: first("reason") });
    if (!intent) errors.push({ text: "Choose what you would do if you could not call the hub", href: first(this.intentName) });
    return errors;
  }

  // -- step 3: soft signs and observations --------------------------------------------------
  // The observations as typed: {observations, errors}. Empty means "not taken".
  #readObservations() {
    const obs = {};
    const errors = [];
    for (const input of $$(".tablet-obs input")) {
      const name = input.name;
      const text = input.value.trim();
      let message = null;
      if (text !== "") {
        const pattern = name === "temperature" ? DECIMAL : INTEGER;
        const min = Number(input.dataset.min);
        const max = Number(input.dataset.max);
        if (!pattern.test(text)) {
          message = `${OBS_LABELS[name]} must be a number${name === "temperature" ? ", like 37.5" : ", like 18"}`;
        } else if (Number(text) < min || Number(text) > max) {
          message = `${OBS_LABELS[name]} must be between ${min} and ${max} ${input.dataset.unit}`;
        } else {
          obs[name] = name === "temperature" ? text : Number(text);
        }
      }
      fieldError(input, message);
      if (message) errors.push({ text: message, href: `#${input.id}` });
    }
    obs.spo2_scale = $("#obs-spo2-scale-2")?.checked ? 2 : 1;
    const oxygen = this.#checked("on_oxygen");
    if (oxygen) obs.on_oxygen = oxygen.value === "true";
    const acvpu = this.#checked("consciousness");
    if (acvpu) obs.consciousness = acvpu.value;
    return { observations: obs, errors };
  }

  #showNews2() {
    const { observations } = this.#readObservations();
    const total = $("#news2-total");
    const detail = $("#news2-detail");
    if (!taken(observations)) {
      total.textContent = "Not taken";
      total.dataset.band = "";
      detail.textContent = "Enter observations to see the score.";
      return;
    }
    const result = scoreNews2(observations);
    total.textContent = formatNews2(result).replace(/^NEWS2 /, "");
    total.dataset.band = result.band;
    total.dataset.total = String(result.total);
    const parts = [BAND_ADVICE[result.band]];
    if (!result.complete) parts.push(`Not yet taken: ${result.missing.map((m) => m.replace(/_/g, " ")).join(", ")}.`);
    parts.push(...result.notes);
    detail.textContent = parts.join(" ");
  }

  // -- step 4: check and call --------------------------------------------------------------
  #fillSummary() {
    const set = (key, text) => {
      const cell = $(`[data-summary="${key}"]`);
      if (cell) cell.textContent = text;
    };
    set("about", this.personName || "General question");
    set("reason", labelOf(this.#checked("reason")));
    set("intent", labelOf(this.#checked(this.intentName)));
    const soft = $$('input[name="soft_signs"]:checked').map(labelOf);
    set("soft", soft.length ? soft.join("; ") : "None noted");
    const { observations } = this.#readObservations();
    set("news2", taken(observations) ? formatNews2(scoreNews2(observations)) : "Not taken");
  }

  #validateSend() {
    const errors = [];
    const noName = !this.caller.value.trim();
    if (noName) errors.push({ text: "Enter your name", href: "#caller-name" });
    fieldError(this.caller, noName ? "Enter your name" : null);
    const pinWrong = this.pin && this.pin.value && !/^[0-9]{4,8}$/.test(this.pin.value);
    const pinText = "Enter a PIN of 4 to 8 digits, or leave it empty";
    if (pinWrong) errors.push({ text: pinText, href: "#caller-pin" });
    if (this.pin) fieldError(this.pin, pinWrong ? pinText : null);
    return errors;
  }
}

function taken(obs) {
  return Object.keys(obs).some((k) => k !== "spo2_scale");
}

function age(born) {
  const today = new Date();
  const b = new Date(born);
  let years = today.getFullYear() - b.getFullYear();
  if (today.getMonth() < b.getMonth() || (today.getMonth() === b.getMonth() && today.getDate() < b.getDate())) years -= 1;
  return years;
}

function labelOf(input) {
  return input ? $(`label[for="${input.id}"]`).textContent.trim() : "Not given";
}

function groupError(groupId, errorId, message) {
  const group = document.getElementById(groupId);
  group.classList.toggle("nhsuk-form-group--error", Boolean(message));
  const error = document.getElementById(errorId);
  error.hidden = !message;
  error.replaceChildren(...(message ? [el("span", { class: "nhsuk-u-visually-hidden", text: "Error: " }), message] : []));
}

function fieldTarget(field) {
  const name = field.split(".").pop();
  const target = document.getElementById(`obs-${name}`) ?? document.querySelector(`[name="${name}"]`);
  return target?.id ?? "start-call";
}
