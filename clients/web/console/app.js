// The triage console: the live queue, the call in front of the nurse (or specialist), the
// wrap-up, who else is on shift, alerts and keyboard shortcuts. One socket to the hub.

import { HubSocket } from "/js/shared/signalling.js";
import { Alerts, RING } from "./alerts.js";
import { CallView } from "./call.js";
import { bindShortcuts, bindSingleKeySetting } from "./keys.js";
import { fillStaffSelect, Presence } from "./presence.js";
import { QueueView } from "./queue.js";
import { RegisterPanel } from "./register.js";
import { WrapUpForm } from "./wrapup.js";

const $ = (id) => document.getElementById(id);
const root = $("console");
const me = JSON.parse(root.dataset.me);
const labels = JSON.parse(root.dataset.labels);
const takesCalls = root.dataset.takesCalls === "yes";
const runsCalls = root.dataset.runsCalls === "yes"; // hold, end, wrap-up: nurses, and specialists admitting a clinic's patient
const LIVE = new Set(["connected", "on_hold"]);

const hub = new HubSocket({ url: "/ws" });
window.telehubConsole = { hub }; // a handle for debugging and the browser tests; no secret
const alerts = new Alerts({ banner: $("alert"), toggle: $("sound-toggle") });
const queue = new QueueView({
  list: $("queue"),
  count: $("queue-count"),
  overdueCount: $("overdue-count"),
  empty: $("queue-empty"),
  labels,
  target: Number(root.dataset.answerTarget),
  alerts,
  canAccept: takesCalls,
  onAccept: (callId) => accept(callId),
});
const register = new RegisterPanel({ card: $("palliative-card"), box: $("palliative"), labels, canEdit: takesCalls });
const view = new CallView({ hub, root: $("call"), labels, alerts, register });
const wrapup = runsCalls ? new WrapUpForm({ form: $("wrapup"), onClosed: closed }) : null;
const presence = new Presence({
  hub,
  list: $("roster"),
  statusSelect: $("my-status"),
  me,
  onRoster: () => {
    if (!takesCalls) return;
    fillStaffSelect($("transfer-to"), presence.nurses(), { emptyText: "No other nurse", chooseText: "Choose a nurse" });
    fillStaffSelect($("invite-who"), presence.specialists(), { emptyText: "No specialist", chooseText: "Choose a specialist" });
  },
});
let ringing = null; // {call, why}

// -- the connection ----------------------------------------------------------------------
const STATES = {
  connecting: "Connecting to the hub…",
  open: "Connected to the hub",
  reconnecting: "Connection lost: reconnecting… (calls in progress carry on)",
  unreachable: "The hub cannot be reached: trying again… (calls in progress carry on)",
  "signed-out": "Signed out: sign in again to keep working",
  closed: "Disconnected",
};
hub.addEventListener("state", (e) => {
  const node = $("connection");
  node.textContent = e.detail === "ended" ? hub.endedReason : STATES[e.detail] ?? e.detail;
  node.dataset.state = e.detail;
});

hub.addEventListener("open", async (e) => {
  queue.selfKey = e.detail.who.participant_key;
  try {
    const subscribed = await hub.command("queue/subscribe");
    queue.update(subscribed.entries);
    await presence.start();
  } catch (err) {
    alerts.show(`Could not load the queue: ${err.message}`, { tone: "urgent" });
  }
  for (const call of e.detail.calls ?? []) resume(call);
});

hub.addEventListener("hub-queue", (e) => queue.update(e.detail.entries));
hub.addEventListener("hub-overdue", (e) => queue.overdue(e.detail.call_id, e.detail.waited_seconds));
hub.addEventListener("hub-call", (e) => onCall(e.detail.call));
hub.addEventListener("message", (e) => queue.message(e.detail));
hub.addEventListener("hub-ring", (e) => ring(e.detail.call, e.detail.why));

function resume(call) {
  const mine = call.participants.find((p) => p.key === hub.authOk.who.participant_key);
  if (call.nurse_id === me.id && (LIVE.has(call.state) || call.state === "wrap_up")) {
    show(call, { arrived: true });
  } else if (mine?.role === "specialist" && LIVE.has(call.state)) {
    if (mine.connected || view.call?.id === call.id) show(call, { arrived: true });
    else ring(call, "specialist");
  }
}

// -- taking a call -----------------------------------------------------------------------
async function accept(callId) {
  if (!takesCalls) return;
  if (!callId) {
    alerts.show("No calls waiting.");
    return;
  }
  try {
    // The first offer goes with the accept when the camera is ready (docs/protocol.md).
    const offer = await view.offerAhead(queue.entryOf(callId)?.call);
    const call = await hub.command("call/accept", offer ? { call_id: callId, offer } : { call_id: callId });
    hideRing();
    await show(call, { arrived: true });
    $("call-heading").focus(); // not the page body: the nurse's next key acts on the call
  } catch (err) {
    view.abandonAhead();
    const row = $("queue").querySelector(`[data-call-id="${CSS.escape(callId)}"]`);
    row?.classList.add("console-queue__item--taken");
    if (err.code === "conflict") {
      alerts.show(`${err.message}: this call was not given to you.`, { tone: "urgent" });
    } else {
      alerts.show(err.message, { tone: "urgent" });
    }
  }
}

async function show(call, options) {
  await view.show(call, options);
  const escort = $("group-escort_needed");
  if (escort) escort.hidden = !call.channel.startsWith("prison");
  const goldLine = $("group-gold_line_outcome");
  if (goldLine) goldLine.hidden = call.channel !== "gold_line";
  if (wrapup) $("wrapup").hidden = call.nurse_id !== me.id; // a drawn-in specialist does not wrap up
  if (wrapup && call.nurse_id === me.id) await wrapup.load(call.id);
  presence.checkIn();
}

function onCall(call) {
  if (!view.call || view.call.id !== call.id) return;
  const before = view.call.state;
  const role = view.myRole;
  if (role === "nurse" && call.nurse_id !== me.id) {
    view.clear(`Call from ${call.site_name} handed over.`);
    wrapup?.forget();
  } else if (call.state === "closed") {
    view.clear(`Record saved for the call from ${call.site_name}.`);
    wrapup?.forget();
  } else if (role !== "nurse" && !LIVE.has(call.state)) {
    view.clear(`The call from ${call.site_name} has ended.`);
  } else {
    view.update(call);
    if (role === "nurse") wrapup?.refreshRecorded();
    if (call.state === "wrap_up" && before !== "wrap_up") {
      alerts.show("Call ended: complete the wrap-up to take the next call.");
      $("wrapup-heading")?.focus();
    }
  }
  if (before !== call.state) presence.checkIn();
}

function closed(call) {
  view.clear(`Record saved for the call from ${call.site_name}. You can take the next call.`);
  alerts.show("Record saved. The call is closed.");
  presence.checkIn();
  queue.focus();
}

async function act(type, fields, { then } = {}) {
  if (!view.call) return;
  try {
    const call = await hub.command(type, { call_id: view.call.id, ...fields });
    then ? then(call) : onCall(call);
  } catch (err) {
    alerts.show(err.message, { tone: "urgent" });
  }
}

function hold() {
  if (view.myRole !== "nurse" || !view.call || !LIVE.has(view.call.state)) return;
  act("call/hold", { on: view.call.state === "connected" });
}

// Re-triage the call whose queue card has the focus, one priority step up or down (a message
// from the home while it waits may change it). The hub re-orders every console's queue.
const PRIORITY_WORDS = { 1: "low", 2: "medium", 3: "high" };
async function retriageFocused(step) {
  const callId = queue.focusedCallId();
  if (!takesCalls || !callId) return;
  const entry = queue.entryOf(callId);
  const priority = Math.min(3, Math.max(1, entry.call.priority + step));
  const site = entry.call.site_name;
  if (priority === entry.call.priority) {
    alerts.show(`The call from ${site} is already ${PRIORITY_WORDS[priority]} priority.`);
    return;
  }
  try {
    await hub.command("call/retriage", { call_id: callId, priority });
    alerts.show(`The call from ${site} is now ${PRIORITY_WORDS[priority]} priority.`);
  } catch (err) {
    alerts.show(`Not re-triaged: ${err.message}`, { tone: "urgent" });
  }
}

function end() {
  if (view.myRole !== "nurse" || !view.call || !LIVE.has(view.call.state)) return;
  act("call/end", {});
}

if (runsCalls) {
  $("hold").addEventListener("click", hold);
  $("end").addEventListener("click", end);
}
if (takesCalls) {
  $("transfer").addEventListener("click", () => {
    const to = Number($("transfer-to").value);
    if (to) act("call/transfer", { to_user_id: to });
  });
  $("invite").addEventListener("click", () => {
    const who = Number($("invite-who").value);
    if (!who) return;
    const name = $("invite-who").selectedOptions[0]?.textContent ?? "the specialist";
    act("call/invite", { user_id: who }, {
      then: (call) => {
        alerts.show(`Ringing ${name.split(" – ")[0]}…`);
        onCall(call);
      },
    });
  });
}
$("leave").addEventListener("click", () =>
  act("call/leave", {}, { then: (call) => view.clear(`You left the call from ${call.site_name}.`) }),
);

// -- being rung (a specialist drawn in, or a nurse offered a transfer) -------------------
function ring(call, why) {
  ringing = { call, why };
  const nurse = call.nurse_name ?? "A hub nurse";
  $("ring-text").textContent =
    why === "specialist"
      ? `${nurse} asks you to join a call from ${call.site_name}${call.person_name ? ` about ${call.person_name}` : ""}.`
      : `A call from ${call.site_name} is being transferred to you.`;
  const button = $("ring-accept");
  button.firstChild.textContent = why === "specialist" ? "Join " : "Accept ";
  button.querySelector("kbd").textContent = why === "specialist" ? "J" : "A";
  $("ring").hidden = false;
  alerts.show($("ring-text").textContent, { tone: "urgent", sound: RING });
  button.focus();
}

function hideRing() {
  ringing = null;
  $("ring").hidden = true;
}

async function answerRing() {
  if (!ringing) return;
  const { call, why } = ringing;
  if (why === "transfer") {
    await accept(call.id);
    return;
  }
  try {
    const joined = await hub.command("call/join", { call_id: call.id });
    hideRing();
    await show(joined, { arrived: true });
  } catch (err) {
    hideRing();
    alerts.show(err.message, { tone: "urgent" });
  }
}

$("ring-accept").addEventListener("click", answerRing);
$("ring-dismiss").addEventListener("click", hideRing);

// -- keyboard ----------------------------------------------------------------------------
function toggleShortcuts() {
  const panel = $("shortcuts");
  panel.hidden = !panel.hidden;
  $("shortcuts-toggle").setAttribute("aria-expanded", String(!panel.hidden));
}
$("shortcuts-toggle").addEventListener("click", toggleShortcuts);
bindSingleKeySetting($("single-key-shortcuts"));
window.addEventListener("keydown", (e) => {
  if (e.key === "Escape") armed = null;
});

// A stray "A" must not take a call: the first press names the call and focuses its Accept
// button; a second within a few seconds (or Enter on the button) accepts it.
let armed = null; // {callId, until}
function acceptTopByKey() {
  const top = queue.top();
  if (!top) return accept(null);
  if (armed && armed.callId === top && performance.now() < armed.until) {
    armed = null;
    return accept(top);
  }
  armed = { callId: top, until: performance.now() + 5000 };
  const site = queue.entries[0]?.call.site_name ?? "the site";
  alerts.show(`Press A again to accept the call from ${site}, or Esc to stay here.`);
  $("queue").querySelector("button[data-accept]")?.focus();
}

bindShortcuts({
  a: () => {
    if (ringing?.why === "transfer") answerRing();
    else if (!view.call) acceptTopByKey();
    else if (takesCalls) alerts.show("Finish your current call, including its wrap-up, before taking another.");
  },
  j: () => ringing?.why === "specialist" && answerRing(),
  h: hold,
  "shift+e": end,
  w: () => wrapup && view.call && ($("wrapup-heading").focus(), $("wrapup").scrollIntoView({ block: "start" })),
  m: () => view.call && $("message-body").focus(),
  q: () => queue.focus(),
  u: () => retriageFocused(+1),
  l: () => retriageFocused(-1),
  "?": toggleShortcuts,
});

hub.start();
