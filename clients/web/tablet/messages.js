// The site's thread with the hub: every message shown once, in order; photos uploaded first,
// then named in the message; read up to the last one shown.

import { $ } from "/js/shared/dom.js";
import { HubSocket, randomId } from "/js/shared/signalling.js";
import { tabletAuth } from "./device.js";
import { withCsrf } from "/js/shared/csrf.js";
import { showInThread } from "./thread.js";
import { bindConnection, showErrors } from "./ui.js";

const hub = new HubSocket({ getAuth: tabletAuth });
bindConnection(hub);
window.telehubTablet = { hub };

const thread = $("#thread");
const status = $("#thread-status");
let selfKey = null;
let synced = false;

function render(message) {
  if (showInThread(thread, message, { selfKey, seqField: hub.seqField })) count();
}

function count() {
  const n = thread.children.length;
  status.textContent = n === 0 ? "No messages yet." : n === 1 ? "1 message" : `${n} messages`;
}

let ackTimer = null;
function acknowledge() {
  clearTimeout(ackTimer);
  ackTimer = setTimeout(() => {
    if (hub.lastSeq > 0) hub.command("message/ack", { seq: hub.lastSeq }).catch(() => {});
  }, 300);
}

hub.addEventListener("message", (e) => {
  render(e.detail);
  acknowledge();
});

hub.addEventListener("open", (e) => {
  selfKey = e.detail.who.participant_key;
  acknowledge(); // an ack lost with the last socket is sent again (acks only move forward)
  if (!synced) {
    synced = true;
    setTimeout(count, 500); // "No messages yet." once the replay has had its chance
  }
});

async function uploadPhoto(file) {
  const body = new FormData();
  body.append("photo", file);
  const response = await fetch("/api/photos", {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: withCsrf(),
  });
  if (!response.ok) {
    let message = "The photo could not be sent";
    try {
      message = (await response.json()).message ?? message;
    } catch {
      /* not JSON */
    }
    throw new Error(message);
  }
  return (await response.json()).photo_id;
}

const form = $("#message-form");
const summary = $("#message-errors");
form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const box = $("#message-body");
  const photoInput = $("#message-photo");
  const file = photoInput.files[0] ?? null;
  let body = box.value.trim();
  if (!body && !file) {
    showErrors(summary, [{ text: "Write a message or choose a photo", href: "#message-body" }]);
    return;
  }
  showErrors(summary, []);
  const button = $("#send-message");
  button.disabled = true;
  try {
    const photoId = file ? await uploadPhoto(file) : null;
    if (!body) body = "Photo";
    const message = await hub.reliably("message/send", { client_message_id: randomId("msg"), body, photo_id: photoId });
    render(message);
    box.value = "";
    photoInput.value = "";
  } catch (err) {
    showErrors(summary, [{ text: err.message, href: file ? "#message-photo" : "#message-body" }]);
  } finally {
    button.disabled = false;
  }
});

hub.start();
