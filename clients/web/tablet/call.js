// The tablet's call page: the form's steps, then waiting, in call and ended, on one page so
// the socket and camera survive each step. This module joins the three parts: the form
// (call-form.js), the call session with the hub (call-session.js, no DOM) and the in-call
// view (call-view.js); it owns the waiting and ended screens and the messages box.

import { ANSWERED, NEW_MESSAGE, playTones, unlockOnFirstTouch } from "/js/shared/chime.js";
import { $ } from "/js/shared/dom.js";
import { formatWait } from "/js/shared/format.js";
import { QualityTally } from "/js/shared/quality.js";
import { decodedFrames } from "/js/shared/rtc.js";
import { HubSocket } from "/js/shared/signalling.js";
import { CallForm } from "./call-form.js";
import { CallSession, WAITING } from "./call-session.js";
import { InCallView } from "./call-view.js";
import { PrisonForm } from "./prison-form.js";
import { tabletAuth } from "./device.js";
import { showInThread } from "./thread.js";
import { bindConnection } from "./ui.js";

const LEFT = ["You left the call", "You have left the call. The nurse will record what was agreed."];
const CANCELLED_EARLY = ["Call cancelled", "You cancelled the call."];

const hub = new HubSocket({ getAuth: tabletAuth });
bindConnection(hub);
const session = new CallSession(hub);
const view = new InCallView(hub, session);
const Form = $("#call-form").dataset.prison === "true" ? PrisonForm : CallForm;
const form = new Form($("#call-form"), { onStart: startCall, locked: () => Boolean(session.call) });
const waiting = { since: null, timer: null }; // the waiting screen's clock
const quality = { tally: null, callId: null }; // how the call went here, for call/quality

// A handle for debugging and the browser tests; it holds no secret.
window.telehubTablet = {
  hub,
  session,
  view,
  decodedFrames,
  get state() {
    const { step } = form;
    const { call } = session;
    const { mesh, media, samples, firstFrameAt } = view;
    return { step, call, mesh, media, samples, firstFrameAt };
  },
};

async function startCall() {
  if (!session.begin()) return;
  showWaitingScreen(form.simple ? "Calling the nurse" : "Calling the hub");
  const request = form.request();
  await view.startMedia();
  if (session.ended) return view.stopMedia(); // cancelled while the camera was starting
  view.showPreview();
  try {
    await session.request(request);
  } catch (err) {
    view.stopMedia();
    form.refused(err);
  }
}

// The page was reloaded (or opened) with a call still going: pick it up.
session.addEventListener("resume", async (e) => {
  showWaitingScreen();
  await view.startMedia();
  view.showPreview();
  await session.resume(e.detail);
});

session.addEventListener("call", (e) => {
  const call = e.detail;
  view.ensureMesh();
  if (WAITING.has(call.state)) {
    showWaiting(call);
    return;
  }
  if (form.step !== "in-call") {
    clearInterval(waiting.timer);
    clearInterval(truth.timer);
    form.goto("in-call");
    threadInCall();
    playTones(ANSWERED); // a carer who stepped away to the resident hears that the nurse is here
    startQuality(call);
  }
  view.show(call);
});

// Video or audio alone from the moment the call connects; the camera going off or failing
// and coming back moves the time from one to the other.
function startQuality(call) {
  if (quality.callId === call.id) return;
  quality.tally = new QualityTally();
  quality.callId = call.id;
  quality.tally.connected(Boolean(view.media?.videoTrack));
  view.media?.addEventListener("video-changed", (e) => quality.tally?.connected(Boolean(e.detail)));
}

// Best effort: a report the hub does not take loses a quality figure, never a clinical one.
async function reportQuality() {
  if (!quality.tally) return;
  const fields = { call_id: quality.callId, ...quality.tally.report() };
  quality.tally = null;
  await hub.command("call/quality", fields).catch(() => {});
}

session.addEventListener("ended", (e) => {
  const { call, left } = e.detail;
  reportQuality();
  const [title, text] = left ? LEFT : call ? endedWords(call) : CANCELLED_EARLY;
  clearInterval(waiting.timer);
  clearInterval(truth.timer);
  view.close();
  $("#ended-title").textContent = title;
  $("#ended-text").textContent = text;
  form.goto("ended");
});

// -- the nurse's written advice, when she records the outcome (the call has ended by then) --
hub.addEventListener("hub-advice", (e) => {
  const { advice } = e.detail;
  if (advice.call_id !== (session.call?.id ?? quality.callId)) return;
  $("#ended-advice-text").textContent = advice.advice;
  $("#ended-advice-by").textContent = advice.nurse_name ? `From ${advice.nurse_name}` : "";
  const kept = $("#ended-advice-kept");
  kept.hidden = advice.person_id == null;
  if (advice.person_id != null) {
    const link = $("#ended-advice-link");
    link.href = `/tablet/residents/${advice.person_id}`;
    link.textContent = advice.person_name ? `${advice.person_name}'s page` : "the resident's page";
  }
  const shown = $("#ended-advice").hidden === false;
  $("#ended-advice").hidden = false;
  if (!shown) playTones(NEW_MESSAGE);
});

function endedWords(call) {
  switch (call.state) {
    case "cancelled":
      return ["Call cancelled", "You cancelled the call. Nothing more will happen."];
    case "abandoned":
      return ["The call was not answered", "The call dropped before a nurse answered. If you are still worried, call again."];
    default:
      return ["The call has ended", `${call.nurse_name ?? "The nurse"} has ended the call. Follow the plan you agreed.`];
  }
}

// -- waiting -------------------------------------------------------------------------------
function showWaitingScreen(title) {
  if (title) {
    $("#waiting-title").textContent = title;
    $("#queue-text").textContent = "Calling…";
  }
  waiting.since = Date.now();
  form.goto("waiting");
  clearInterval(waiting.timer);
  const update = () => {
    $("#wait-time").textContent = `Waiting ${formatWait((Date.now() - waiting.since) / 1000)}`;
  };
  update();
  waiting.timer = setInterval(update, 1000);
}

// -- the truth about the wait: is a nurse there, has the target passed ---------------------
const CALL_BACK = "Please call us back when a nurse is free.";
const truth = { status: null, at: 0, timer: null };

async function checkHub() {
  try {
    const response = await fetch("/api/hub-status", { credentials: "same-origin" });
    if (!response.ok) return;
    truth.status = await response.json();
    truth.at = performance.now();
  } catch {
    return; // offline: the connection banner says so
  }
  tellTheTruth();
}

function tellTheTruth() {
  const call = session.call;
  const status = truth.status;
  if (!call || !status || !WAITING.has(call.state)) return;
  const waited = (Date.parse(status.now) - Date.parse(call.started_at)) / 1000 + (performance.now() - truth.at) / 1000;
  const late = waited > status.answer_target_seconds;
  const nobody = status.nurses_signed_in === 0;
  const busy = !nobody && status.nurses_free === 0;
  let words = "A nurse will answer as soon as they can. Everything you entered is with them already.";
  if (nobody) words = "No nurse is signed in at the hub right now. Your call stays in the queue for the next nurse who signs in.";
  else if (busy) words = "All the hub's nurses are with other calls. Yours is next in line for the first nurse free.";
  if (late) words += ` Your call has waited longer than the hub's target of ${Math.round(status.answer_target_seconds / 60)} minutes.`;
  const text = $("#hub-truth-text");
  if (text.textContent !== words) text.textContent = words;
  const trouble = nobody || busy || late;
  $("#hub-truth").dataset.trouble = String(trouble);
  $("#advice-999").hidden = !(trouble && call.priority >= 3);
  const phone = $("#hub-phone");
  if (phone) phone.hidden = !trouble;
  $("#call-back").hidden = !trouble;
}

function watchTheWait() {
  clearInterval(truth.timer);
  checkHub();
  truth.timer = setInterval(checkHub, 5000);
}

$("#call-back")?.addEventListener("click", async () => {
  const button = $("#call-back");
  button.disabled = true;
  try {
    const sent = await session.sendMessage(CALL_BACK);
    showInThread($("#call-messages"), sent, { selfKey: session.selfKey });
    button.textContent = "The hub has been asked to call you back";
  } catch (err) {
    button.disabled = false;
    $("#queue-text").textContent = `Your request was not sent: ${err.message}`;
  }
});

function showWaiting(call) {
  if (truth.timer === null) watchTheWait();
  tellTheTruth();
  if (form.step !== "waiting") form.goto("waiting");
  const text = $("#queue-text");
  let words;
  if (call.state === "ringing") words = "A nurse is about to answer.";
  else if (call.queue_position === 1) words = "You are next in the queue.";
  else if (call.queue_position) words = `You are number ${call.queue_position} in the queue.`;
  else words = "Your call is waiting for a nurse.";
  if (text.textContent !== words) text.textContent = words;
}

$("#end-call")?.addEventListener("click", async () => {
  await reportQuality(); // before leaving, so it is kept before the page says the call is over
  session.leave();
});

$("#cancel-call")?.addEventListener("click", async () => {
  try {
    await session.cancel();
  } catch (err) {
    $("#queue-text").textContent = err.message;
  }
});

// -- messages about the call ---------------------------------------------------------------
// Once answered, the thread moves beside the video: the nurse's words are seen in the call.
function threadInCall() {
  $("#in-call-thread").append($("#call-thread"));
  $("#call-message-label").textContent = "Send a message to the nurse";
}

hub.addEventListener("message", (e) => {
  const message = e.detail;
  if (!session.belongs(message)) return;
  const added = showInThread($("#call-messages"), message, { selfKey: session.selfKey, seqField: hub.seqField });
  if (added && message.sender_key !== session.selfKey && !session.ended) playTones(NEW_MESSAGE);
});

$("#call-message-form")?.addEventListener("submit", async (e) => {
  e.preventDefault();
  const box = $("#call-message");
  const body = box.value.trim();
  if (!body || !session.call) return;
  box.value = "";
  try {
    const sent = await session.sendMessage(body);
    showInThread($("#call-messages"), sent, { selfKey: session.selfKey, seqField: hub.seqField });
  } catch (err) {
    box.value = body;
    $("#queue-text").textContent = `Your message was not sent: ${err.message}`;
  }
});

// -- start ---------------------------------------------------------------------------------
unlockOnFirstTouch();
form.first();
hub.start();
if (form.simple) {
  hub.addEventListener("open", async () => {
    const badge = $("#unread-badge");
    if (!badge) return;
    try {
      const { unread } = await hub.command("message/sync", { after_seq: hub.lastSeq });
      badge.hidden = !unread;
      badge.textContent = `${unread} unread`;
    } catch {
      /* the badge is a nicety */
    }
  });
}
