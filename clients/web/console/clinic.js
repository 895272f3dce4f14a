// A clinic's page on the console: who has arrived in the waiting room, live from the
// console socket's `appointment` events (an arrival, a slot not joined 10 minutes after its
// start), and Admit for the clinic's clinician, which opens an ordinary call with the site
// and takes them to the console, where it runs as any other call (video, messages, wrap-up).

import { withCsrf } from "/js/shared/csrf.js";
import { HubSocket } from "/js/shared/signalling.js";

const table = document.getElementById("slots");
const status = document.getElementById("clinic-status");
const clinicId = Number(table.dataset.clinicId);
const hub = new HubSocket({ url: "/ws" });

function rowOf(appointmentId) {
  return table.querySelector(`tr[data-appointment-id="${CSS.escape(String(appointmentId))}"]`);
}

function londonTime(iso) {
  return new Date(iso).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/London" });
}

function arrived(appointment) {
  const row = rowOf(appointment.id);
  if (!row) return;
  const cell = row.querySelector('[data-cell="arrival"]');
  cell.replaceChildren(Object.assign(document.createElement("strong"), {
    textContent: `Arrived ${londonTime(appointment.arrived_at)}: waiting`,
  }));
  const admit = row.querySelector("[data-admit]");
  if (admit) {
    admit.disabled = false;
    admit.removeAttribute("aria-disabled");
  }
  status.textContent = `${row.querySelector("th").textContent.trim()}: arrived in the waiting room.`;
}

function late(appointment) {
  const row = rowOf(appointment.id);
  if (!row) return;
  const flag = Object.assign(document.createElement("strong"), { textContent: "Late: not joined" });
  flag.className = "console-late";
  row.querySelector('[data-cell="arrival"]').replaceChildren(flag);
  offerDidNotAttend(row, appointment.id);
  status.textContent = `${row.querySelector("th").textContent.trim()}: not joined 10 minutes after the start.`;
}

// The slot has started: offer "Did not attend" beside Cancel, as the page does once loaded
// after the start (the same form, posted to its own route).
function offerDidNotAttend(row, appointmentId) {
  if (row.querySelector("[data-dna]")) return;
  const cancel = row.querySelector("[data-cancel]")?.closest("form");
  if (!cancel) return;
  const form = cancel.cloneNode(true);
  form.action = cancel.action.replace(/\/cancel$/, "/did-not-attend");
  const button = form.querySelector("button");
  button.textContent = "Did not attend";
  delete button.dataset.cancel;
  button.dataset.dna = String(appointmentId);
  cancel.after(form);
}

async function admit(button) {
  button.disabled = true;
  const response = await fetch(`/api/appointments/${encodeURIComponent(button.dataset.admit)}/admit`, {
    method: "POST",
    headers: withCsrf({ "Content-Type": "application/json" }),
    body: "{}",
  });
  if (response.ok) {
    window.location.assign("/console"); // the console picks the call up, as any call of theirs
    return;
  }
  const answer = await response.json().catch(() => ({}));
  status.textContent = answer.message || "The hub could not admit them. Try again.";
  button.disabled = false;
}

hub.addEventListener("hub-appointment", (e) => {
  const { what, appointment } = e.detail;
  if (appointment.clinic_id !== clinicId) return;
  if (what === "arrived") arrived(appointment);
  else if (what === "late") late(appointment);
});
for (const button of table.querySelectorAll("[data-admit]")) {
  button.addEventListener("click", () => admit(button));
}
hub.start();
window.telehubClinic = { hub };
