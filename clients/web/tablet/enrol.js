// Enrolment: the one-time code becomes this tablet's credential (kept in localStorage, never
// shown), then a session; the tablet then opens to its site's home screen.

import { enrolDevice } from "./device.js";
import { $ } from "/js/shared/dom.js";

const form = $("#enrol-form");
const input = $("#enrolment-code");
const summary = $("#enrol-errors");

function problem(text) {
  $("#enrol-error-text").textContent = text;
  summary.hidden = false;
  input.closest(".nhsuk-form-group").classList.add("nhsuk-form-group--error");
  input.classList.add("nhsuk-input--error");
  summary.focus();
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const code = input.value.trim();
  if (code.length < 6) {
    problem("Enter the enrolment code from the hub");
    return;
  }
  $("#enrol-button").disabled = true;
  $("#enrol-status").textContent = "Enrolling this tablet…";
  try {
    await enrolDevice(code);
    $("#enrol-status").textContent = "This tablet is enrolled. Opening the home screen…";
    window.location.replace("/tablet");
  } catch (err) {
    $("#enrol-status").textContent = "";
    problem(err.message);
  } finally {
    $("#enrol-button").disabled = false;
  }
});
