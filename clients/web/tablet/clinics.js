// Today's clinics on the site's tablet: "Join" tells the hub the patient has arrived (the
// waiting room); the page then checks every few seconds whether the clinician has admitted
// them, and goes to the call page, which picks the call up as any call in progress.

import { $, $$ } from "/js/shared/dom.js";
import { withCsrf } from "/js/shared/csrf.js";

const POLL_MS = 3000;
const status = $("#clinic-status");
let waitingFor = null;

async function join(button) {
  const id = button.dataset.join;
  const response = await fetch(`/api/appointments/${encodeURIComponent(id)}/arrive`, {
    method: "POST",
    headers: withCsrf({ "Content-Type": "application/json" }),
    body: "{}",
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    status.textContent = answer.message || "The hub could not join this appointment. Try again.";
    return;
  }
  button.textContent = "Waiting…";
  button.disabled = true;
  status.textContent = "You are in the waiting room. The clinician will bring you in.";
  waitingFor = Number(id);
}

async function admitted() {
  if (waitingFor === null) return;
  const response = await fetch("/api/appointments", { credentials: "same-origin" });
  if (!response.ok) return;
  const mine = (await response.json()).find((a) => a.id === waitingFor);
  if (mine?.call_id) window.location.assign("/tablet/call");
}

for (const button of $$("[data-join]")) {
  button.addEventListener("click", () => join(button));
  if (button.textContent.trim() === "Waiting…") waitingFor = Number(button.dataset.join);
}
setInterval(admitted, POLL_MS);
