// On the sign-in page: an enrolled tablet whose session has expired signs itself back in
// with its device credential and returns to where it was going.

import { deviceSignIn, hasDeviceCredential, safeNext } from "./device.js";

if (hasDeviceCredential()) {
  const main = document.querySelector("main");
  const note = document.createElement("p");
  note.className = "nhsuk-body-l";
  note.setAttribute("role", "status");
  note.textContent = "Signing this tablet back in…";
  main.prepend(note);
  deviceSignIn()
    .then(() => window.location.replace(safeNext()))
    .catch((err) => {
      note.textContent = err.message;
    });
}
