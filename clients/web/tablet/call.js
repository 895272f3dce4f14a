// The tablet's call: four steps (who, why, soft signs and observations, check and call),
// then waiting, in call and ended, on one page so the socket and camera survive each step.
// Home patients get one big button instead of the steps.

import { HubSocket, Disconnected } from "/js/shared/signalling.js";
import { CallMesh, decodedFrames } from "/js/shared/rtc.js";
import { tabletAuth } from "./device.js";
import { scoreNews2, formatNews2, BAND_ADVICE } from "./news2.js";
import { LocalMedia, linkSample, uplinkTooPoor, remoteVideoStalled } from "./media.js";
import { $, $$, el, bindConnection, startHub, formatWait, showErrors, fieldError, randomId } from "./ui.js";

const form = $("#call-form");
const simple = form.dataset.simple === "true";
const WAITING = new Set(["requested", "queued", "ringing"]);
const LIVE = new Set(["connected", "on_hold"]);
const LINE_KEY = "telehub.line";

const state = {
  step: null,
  personId: null,
  personName: "",
  call: null,
  clientCallId: null,
  media: null,
  mesh: null,
  selfKey: null,
  iceServers: [],
  waitStart: null,
  threadMark: null, // messages after this thread sequence belong to this call's box
  shownMessages: new Set(),
  early: new Map(), // call events that beat call/start's reply
  remoteKey: null,
  firstFrameAt: null,
  samples: [],
  autoAudioOnly: false,
  ended: false,
  timers: [],
};

const hub = new HubSocket({ getAuth: tabletAuth });
bindConnection(hub);
// A handle for debugging and the browser tests; it holds no secret.
window.telehubTablet = { hub, state, decodedFrames };

// -- steps ---------------------------------------------------------------------------------
const SECTIONS = {
  simple: "step-simple",
  who: "step-who",
  why: "step-why",
  obs: "step-obs",
  send: "step-send",
  waiting: "waiting",
  "in-call": "in-call",
  ended: "ended",
};
const FORM_STEPS = new Set(["who", "why", "obs", "send"]);

function goto(step, { push = true } = {}) {
  const section = document.getElementById(SECTIONS[step]);
  for (const s of $$(".tablet-step")) s.hidden = s !== section;
  state.step = step;
  document.body.dataset.screen = step;
  const about = state.personName ? ` · ${state.personName}` : step === "who" ? "" : " · General question";
  for (const caption of $$("[data-about]")) caption.textContent = about;
  if (push && FORM_STEPS.has(step)) history.pushState({ step }, "", `#${step}`);
  $("h1", section)?.focus();
  window.scrollTo(0, 0);
}

window.addEventListener("popstate", (e) => {
  const step = e.state?.step;
  if (!step || state.call) return; // once the call is requested, back does not undo it
  goto(step, { push: false });
});

for (const button of $$("[data-goto]")) {
  button.addEventListener("click", () => goto(button.dataset.goto));
}

// -- step 1: who ---------------------------------------------------------------------------
const residentList = $("#resident-list");
const recentRank = new Map(
  $$("#resident-list [data-person-id]").map((b, i) => [b.dataset.personId, b.dataset.recent === "true" ? i : Infinity]),
);

function choose(button) {
  state.personId = button.dataset.personId ? Number(button.dataset.personId) : null;
  state.personName = button.dataset.name ?? "";
  goto("why");
}

document.addEventListener("click", (e) => {
  const choice = e.target.closest?.(".tablet-choice");
  if (choice) choose(choice);
});

function age(born) {
  const today = new Date();
  const b = new Date(born);
  let years = today.getFullYear() - b.getFullYear();
  if (today.getMonth() < b.getMonth() || (today.getMonth() === b.getMonth() && today.getDate() < b.getDate())) years -= 1;
  return years;
}

function residentButton(person) {
  const name = `${person.given_name} ${person.family_name}`;
  const born = new Date(person.date_of_birth).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
  const recent = Number.isFinite(recentRank.get(String(person.id)));
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

let searchTimer = null;
let searchSeq = 0;
$("#resident-search")?.addEventListener("input", (e) => {
  clearTimeout(searchTimer);
  const q = e.target.value.trim();
  searchTimer = setTimeout(() => search(q), 200);
});

async function search(q) {
  const mine = ++searchSeq;
  const response = await fetch(`/api/residents?q=${encodeURIComponent(q)}`, { credentials: "same-origin" });
  if (!response.ok || mine !== searchSeq) return;
  const people = await response.json();
  const rank = (p) => recentRank.get(String(p.id)) ?? Infinity;
  people.sort((a, b) => rank(a) - rank(b) || a.family_name.localeCompare(b.family_name) || a.given_name.localeCompare(b.given_name));
  residentList.replaceChildren(...people.map(residentButton));
  $("#resident-count").textContent = people.length === 1 ? "1 resident found" : `${people.length} residents found`;
}

// -- step 2: why ---------------------------------------------------------------------------
function checked(name) {
  return form.querySelector(`input[name="${name}"]:checked`);
}

function groupError(groupId, errorId, message) {
  const group = document.getElementById(groupId);
  group.classList.toggle("nhsuk-form-group--error", Boolean(message));
  const error = document.getElementById(errorId);
  error.hidden = !message;
  error.replaceChildren(...(message ? [el("span", { class: "nhsuk-u-visually-hidden", text: "Error: " }), message] : []));
}

function validateWhy() {
  const errors = [];
  const reason = checked("reason");
  const intent = checked("home_intent");
  groupError("reason-group", "reason-error", reason ? null : "Choose the main reason for the call");
  groupError("intent-group", "intent-error", intent ? null : "Choose what you would do if you could not call the hub");
  if (!reason) errors.push({ text: "Choose the main reason for the call", href: `#${form.querySelector('input[name="reason"]').id}` });
  if (!intent) errors.push({ text: "Choose what you would do if you could not call the hub", href: `#${form.querySelector('input[name="home_intent"]').id}` });
  return errors;
}

// -- step 3: soft signs and observations ----------------------------------------------------
const INTEGER = /^\d+$/;
const DECIMAL = /^\d+(\.\d+)?$/;
const OBS_LABELS = {
  respiration_rate: "Breathing rate",
  spo2: "Oxygen saturation",
  systolic_bp: "Blood pressure",
  pulse: "Pulse",
  temperature: "Temperature",
};

// Read the observations as typed: {observations, errors}. Empty means "not taken".
function readObservations() {
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
  const oxygen = checked("on_oxygen");
  if (oxygen) obs.on_oxygen = oxygen.value === "true";
  const acvpu = checked("consciousness");
  if (acvpu) obs.consciousness = acvpu.value;
  return { observations: obs, errors };
}

function taken(obs) {
  return Object.keys(obs).some((k) => k !== "spo2_scale");
}

function showNews2() {
  const { observations } = readObservations();
  const total = $("#news2-total");
  const detail = $("#news2-detail");
  if (!taken(observations)) {
    total.textContent = "Not taken";
    total.dataset.band = "";
    detail.textContent = "Enter observations to see the score.";
    return null;
  }
  const result = scoreNews2(observations);
  const words = formatNews2(result);
  total.textContent = words.replace(/^NEWS2 /, "");
  total.dataset.band = result.band;
  total.dataset.total = String(result.total);
  const parts = [BAND_ADVICE[result.band]];
  if (!result.complete) parts.push(`Not yet taken: ${result.missing.map((m) => m.replace(/_/g, " ")).join(", ")}.`);
  parts.push(...result.notes);
  detail.textContent = parts.join(" ");
  return result;
}

for (const input of $$("#step-obs input")) input.addEventListener("input", showNews2);
for (const input of $$("#step-obs input[type=radio], #step-obs input[type=checkbox]")) input.addEventListener("change", showNews2);

$("#skip-obs")?.addEventListener("click", () => {
  for (const input of $$(".tablet-obs input")) {
    input.value = "";
    fieldError(input, null);
  }
  for (const input of $$('#step-obs input[type="radio"], #obs-spo2-scale-2')) input.checked = false;
  showNews2();
  goto("send");
});

// -- step 4: check and call ----------------------------------------------------------------
const callerInput = $("#caller-name");
const pinInput = $("#caller-pin"); // shared tablets only; never stored, cleared once used
if (callerInput && form.dataset.caller) callerInput.value = form.dataset.caller;

function labelOf(input) {
  return input ? $(`label[for="${input.id}"]`).textContent.trim() : "Not given";
}

function fillSummary() {
  const set = (key, text) => {
    const cell = $(`[data-summary="${key}"]`);
    if (cell) cell.textContent = text;
  };
  set("about", state.personName || "General question");
  set("reason", labelOf(checked("reason")));
  set("intent", labelOf(checked("home_intent")));
  const soft = $$('input[name="soft_signs"]:checked').map(labelOf);
  set("soft", soft.length ? soft.join("; ") : "None noted");
  const { observations } = readObservations();
  set("news2", taken(observations) ? formatNews2(scoreNews2(observations)) : "Not taken");
}

for (const button of $$("[data-next]")) {
  button.addEventListener("click", () => {
    const errors = button.dataset.next === "why" ? validateWhy() : readObservations().errors;
    showErrors($("#call-errors"), errors);
    if (errors.length) return;
    if (button.dataset.next === "obs") fillSummary();
    goto(button.dataset.next === "why" ? "obs" : "send");
  });
}

function callRequest() {
  if (simple) {
    const line = localStorage.getItem(LINE_KEY) || "home_patient";
    const person = form.dataset.personId;
    return {
      channel: line,
      reason: "other",
      home_intent: "unknown",
      person_id: person ? Number(person) : null,
    };
  }
  const { observations } = readObservations();
  const request = {
    channel: "care_home",
    person_id: state.personId,
    reason: checked("reason").value,
    home_intent: checked("home_intent").value,
    concern: $("#concern").value.trim(),
    soft_signs: $$('input[name="soft_signs"]:checked').map((i) => i.value),
    caller_name: callerInput.value.trim(),
  };
  if (pinInput?.value) request.caller_pin = pinInput.value;
  if (taken(observations)) {
    if (observations.temperature !== undefined) observations.temperature = Number(observations.temperature);
    request.observations = observations;
  }
  return request;
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  if (simple) return;
  const errors = [];
  if (!callerInput.value.trim()) errors.push({ text: "Enter your name", href: "#caller-name" });
  fieldError(callerInput, errors.length ? "Enter your name" : null);
  const pinWrong = pinInput && pinInput.value && !/^[0-9]{4,8}$/.test(pinInput.value);
  const pinText = "Enter a PIN of 4 to 8 digits, or leave it empty";
  if (pinWrong) errors.push({ text: pinText, href: "#caller-pin" });
  if (pinInput) fieldError(pinInput, pinWrong ? pinText : null);
  showErrors($("#call-errors"), errors);
  if (!errors.length) startCall();
});

// Home patients: the line this device calls, remembered on the device.
for (const radio of $$('input[name="line"]')) {
  if (radio.value === localStorage.getItem(LINE_KEY)) radio.checked = true;
  radio.addEventListener("change", () => localStorage.setItem(LINE_KEY, radio.value));
}
$("#simple-call")?.addEventListener("click", () => startCall());

// -- requesting the call -------------------------------------------------------------------
// A command that survives a dropped socket: wait for the hub to come back and send it again.
// Only for idempotent commands (call/start carries client_call_id, message/send its id).
async function reliably(type, fields) {
  for (;;) {
    try {
      return await hub.command(type, fields);
    } catch (err) {
      if (!(err instanceof Disconnected)) throw err;
      await new Promise((resolve) => hub.addEventListener("open", resolve, { once: true }));
    }
  }
}

async function startCall() {
  if (state.call || state.clientCallId) return;
  state.clientCallId = randomId("tab");
  state.threadMark = hub.lastSeq;
  state.waitStart = Date.now();
  $("#waiting-title").textContent = simple ? "Calling the nurse" : "Calling the hub";
  $("#queue-text").textContent = "Calling…";
  goto("waiting");
  tick();
  const request = callRequest();
  if (pinInput) pinInput.value = "";
  state.media = new LocalMedia();
  await state.media.start();
  if (state.ended) return state.media.stop(); // cancelled while the camera was starting
  $("#preview-video").srcObject = state.media.stream;
  showSelf();
  try {
    const call = await reliably("call/start", { client_call_id: state.clientCallId, ...request });
    if (state.early.has(call.id)) state.call = state.early.get(call.id); // its queue place came first
    state.early.clear();
    if (state.ended) {
      await hub.command("call/cancel", { call_id: call.id }).catch(() => {});
      return;
    }
    onCall(call);
  } catch (err) {
    state.clientCallId = null;
    state.media.stop();
    state.media = null;
    const errors = [{ text: err.message || "The call could not be made. Try again.", href: err.field ? `#${fieldTarget(err.field)}` : "#start-call" }];
    goto(simple ? "simple" : "send");
    const input = { caller_pin: pinInput, caller_name: callerInput }[err.field];
    if (input) fieldError(input, err.message);
    showErrors($("#call-errors"), errors);
  }
}

function fieldTarget(field) {
  const name = field.split(".").pop();
  const target = document.getElementById(`obs-${name}`) ?? document.querySelector(`[name="${name}"]`);
  return target?.id ?? "start-call";
}

function showSelf() {
  const self = $("#self-video");
  self.srcObject = state.media.stream;
  const hasVideo = Boolean(state.media.videoTrack);
  self.hidden = !hasVideo;
  $("#preview-video").hidden = !hasVideo;
  $("#preview-caption").textContent = hasVideo
    ? "Your camera: this is what the nurse will see"
    : `Audio only: ${state.media.why ?? "the camera is off"}. The nurse can still hear you.`;
  cameraButton();
}

// -- the hub tells us about the call -------------------------------------------------------
hub.addEventListener("open", (e) => {
  const authOk = e.detail;
  state.selfKey = authOk.who.participant_key;
  state.iceServers = authOk.ice_servers ?? [];
  const mine = (authOk.calls ?? []).find((c) => (state.call ? c.id === state.call.id : true) && !finished(c));
  if (mine) {
    if (!state.call && !state.clientCallId) resume(mine);
    else if (state.call) onCall(mine);
    // else: call/start is in flight and will be retried with the same client_call_id
  }
  if (state.mesh) {
    state.mesh.iceServers = state.iceServers;
    // The hub came back: media kept flowing peer to peer; restart ICE only where it broke.
    for (const [key, peer] of state.mesh.peers) {
      if (["disconnected", "failed"].includes(peer.pc.connectionState)) state.mesh.offer(key, peer, { iceRestart: true });
    }
  }
});

function finished(call) {
  return !WAITING.has(call.state) && !LIVE.has(call.state);
}

// The page was reloaded (or opened) with a call still going: pick it up.
async function resume(call) {
  state.clientCallId = "resumed";
  state.threadMark = hub.lastSeq;
  state.waitStart = Date.now();
  goto("waiting");
  tick();
  state.media = new LocalMedia();
  await state.media.start();
  $("#preview-video").srcObject = state.media.stream;
  showSelf();
  state.call = call;
  onCall(await hub.command("call/get", { call_id: call.id }).catch(() => call));
}

hub.addEventListener("hub-call", (e) => {
  const call = e.detail.call;
  if (state.call && call.id === state.call.id) onCall(call);
  else if (!state.call && state.clientCallId) state.early.set(call.id, call);
});

function onCall(call) {
  if (state.ended) return;
  const previous = state.call;
  state.call = { ...call, queue_position: call.queue_position ?? previous?.queue_position ?? null };
  const me = call.participants.find((p) => p.key === state.selfKey);
  if (finished(call) || (state.selfKey && !me && !WAITING.has(call.state))) {
    end(state.leaving ? LEFT : endedWords(call));
    return;
  }
  ensureMesh();
  if (WAITING.has(call.state)) {
    showWaiting(state.call);
  } else {
    showInCall(call);
    state.mesh.update(call);
  }
}

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

function showWaiting(call) {
  if (state.step !== "waiting") goto("waiting");
  const text = $("#queue-text");
  let words;
  if (call.state === "ringing") words = "A nurse is about to answer.";
  else if (call.queue_position === 1) words = "You are next in the queue.";
  else if (call.queue_position) words = `You are number ${call.queue_position} in the queue.`;
  else words = "Your call is waiting for a nurse.";
  if (text.textContent !== words) text.textContent = words;
}

function tick() {
  clearInterval(state.tickTimer);
  const update = () => {
    $("#wait-time").textContent = `Waiting ${formatWait((Date.now() - state.waitStart) / 1000)}`;
  };
  update();
  state.tickTimer = setInterval(update, 1000);
}

function ensureMesh() {
  if (state.mesh || !state.selfKey || !state.call || !state.media) return;
  const mesh = new CallMesh({
    hub,
    callId: state.call.id,
    selfKey: state.selfKey,
    localStream: state.media?.stream ?? null,
    iceServers: state.iceServers,
  });
  mesh.addEventListener("remote-stream", (e) => showRemote(e.detail.key, e.detail.stream));
  mesh.addEventListener("peer-state", (e) => onPeerState(e.detail));
  mesh.addEventListener("peer-left", (e) => dropRemote(e.detail.key));
  mesh.addEventListener("error", (e) => console.warn("call media:", e.detail?.message ?? e.detail));
  state.mesh = mesh;
}

// -- in the call ---------------------------------------------------------------------------
function showInCall(call) {
  if (state.step !== "in-call") {
    clearInterval(state.tickTimer);
    goto("in-call");
    watchLink();
  }
  showSelf();
  setStatus();
}

function nurseName() {
  return state.call?.nurse_name ?? "the nurse";
}

function setStatus(override, { transient = false } = {}) {
  const status = $("#call-status");
  if (!status || state.step !== "in-call") return;
  clearTimeout(state.statusTimer);
  if (override && transient) state.statusTimer = setTimeout(() => setStatus(), 6000);
  let words;
  if (override) words = override;
  else if (state.call?.state === "on_hold") words = `${nurseName()} has put the call on hold. Please wait.`;
  else if (!state.firstFrameAt) words = `Connecting to ${nurseName()}…`;
  else words = `Connected to ${nurseName()}.`;
  if (state.media?.audioOnly && !state.media.videoTrack) words += ` Audio only: ${state.media.why ?? "your camera is off"}.`;
  else if (state.autoAudioOnly) words += " Your video is off because the connection is weak, to keep the sound clear.";
  if (status.textContent !== words) status.textContent = words;
}

function showRemote(key, stream) {
  const nurse = state.call?.participants.find((p) => p.role === "nurse");
  const main = !state.remoteKey || key === state.remoteKey || key === nurse?.key;
  let video;
  if (main) {
    state.remoteKey = key;
    video = $("#remote-video");
  } else {
    video = document.getElementById(`remote-${CSS.escape(key)}`);
    if (!video) {
      const name = state.call?.participants.find((p) => p.key === key)?.name ?? "Another clinician";
      video = el("video", { id: `remote-${key}`, autoplay: true, playsinline: true, "aria-label": `${name}'s video` });
      $("#other-videos").append(video);
    }
  }
  if (video.srcObject !== stream) {
    video.srcObject = stream;
    play(video);
  }
  if (main) watchFirstFrame(video);
}

function play(video) {
  video.play().catch(() => {
    // The browser wants a tap before it plays sound.
    const button = $("#tap-to-hear");
    button.hidden = false;
    button.onclick = () => {
      button.hidden = true;
      for (const v of $$("#in-call video")) v.play().catch(() => {});
    };
  });
}

function watchFirstFrame(video) {
  if (state.firstFrameAt) return;
  const seen = () => {
    if (state.firstFrameAt) return;
    state.firstFrameAt = performance.timeOrigin + performance.now();
    $("#remote-placeholder").hidden = true;
    setStatus();
  };
  if (typeof video.requestVideoFrameCallback === "function") video.requestVideoFrameCallback(seen);
  const poll = () => {
    if (state.firstFrameAt || state.ended) return;
    if (decodedFrames(video) > 0) seen();
    else setTimeout(poll, 50);
  };
  poll();
}

function dropRemote(key) {
  document.getElementById(`remote-${key}`)?.remove();
  if (key === state.remoteKey) {
    state.remoteKey = null;
    $("#remote-video").srcObject = null;
  }
}

function onPeerState({ key, state: pcState }) {
  if (key !== state.remoteKey && state.remoteKey) return;
  if (pcState === "disconnected" || pcState === "failed") setStatus("Reconnecting video…");
  else if (pcState === "connected") setStatus();
}

// Every 2 s: is our uplink too poor for video (fall back to audio only), and has the
// nurse's video stalled while their voice still comes through?
function watchLink() {
  const timer = setInterval(async () => {
    const peer = state.mesh?.peers.get(state.remoteKey);
    if (!peer || state.ended) return;
    state.samples.push(await linkSample(peer.pc));
    state.samples = state.samples.slice(-10);
    if (!state.autoAudioOnly && state.media?.videoTrack && uplinkTooPoor(state.samples, state.media.videoSince)) {
      state.autoAudioOnly = true;
      await state.media.setCameraOff(true, state.mesh);
      cameraButton();
      showSelf();
      setStatus();
    }
    const stalled = state.firstFrameAt && remoteVideoStalled(state.samples);
    const placeholder = $("#remote-placeholder");
    placeholder.textContent = `${nurseName()}'s video has paused. You can still talk to each other.`;
    placeholder.hidden = !stalled;
  }, 2000);
  state.timers.push(timer);
}

$("#mute")?.addEventListener("click", () => {
  state.media?.setMuted(!state.media.muted);
  $("#mute").textContent = state.media?.muted ? "Unmute" : "Mute";
  setStatus(state.media?.muted ? "You are muted. The nurse cannot hear you." : undefined);
});

function cameraButton() {
  $("#camera").textContent = state.media?.cameraOff || !state.media?.videoTrack ? "Camera on" : "Camera off";
}

$("#camera")?.addEventListener("click", async () => {
  if (!state.media) return;
  const turnOff = Boolean(state.media.videoTrack);
  try {
    await state.media.setCameraOff(turnOff, state.mesh);
    state.autoAudioOnly = false;
  } catch {
    setStatus("The camera could not be turned on.", { transient: true });
  }
  cameraButton();
  showSelf();
  setStatus();
});

$("#switch-camera")?.addEventListener("click", async () => {
  if (!state.media) return;
  const switched = await state.media.switchCamera(state.mesh).catch(() => false);
  showSelf();
  $("#self-video").classList.toggle("tablet-self--rear", state.media.facing === "environment");
  setStatus(switched ? undefined : "This tablet has only one camera.", { transient: true });
});

const LEFT = ["You left the call", "You have left the call. The nurse will record what was agreed."];

$("#end-call")?.addEventListener("click", async () => {
  if (!state.call) return;
  state.leaving = true; // the hub's call event may come back before the reply
  try {
    await hub.command("call/leave", { call_id: state.call.id });
  } catch {
    /* the hub will drop us from the call when our socket goes */
  }
  end(LEFT);
});

$("#cancel-call")?.addEventListener("click", async () => {
  if (!state.call) {
    state.clientCallId = null;
    end(["Call cancelled", "You cancelled the call."]);
    return;
  }
  try {
    const call = await hub.command("call/cancel", { call_id: state.call.id });
    end(endedWords(call));
  } catch (err) {
    $("#queue-text").textContent = err.message;
  }
});

function end([title, text]) {
  if (state.ended) return;
  state.ended = true;
  clearInterval(state.tickTimer);
  for (const timer of state.timers) clearInterval(timer);
  state.mesh?.close();
  state.media?.stop();
  $("#ended-title").textContent = title;
  $("#ended-text").textContent = text;
  goto("ended");
}

// -- messages while waiting ----------------------------------------------------------------
function showMessage(message) {
  if (!state.call || state.shownMessages.has(message.id)) return;
  if (message.call_id !== state.call.id && !(state.threadMark !== null && message.site_seq > state.threadMark)) return;
  state.shownMessages.add(message.id);
  const mine = message.sender_key === state.selfKey;
  $("#call-messages").append(
    el(
      "li",
      { class: `tablet-thread__message${mine ? " tablet-thread__message--mine" : ""}`, "data-message-id": message.id },
      el("span", { class: "tablet-thread__who", text: mine ? "You" : message.sender_name }),
      el("span", { class: "tablet-thread__body", text: message.body }),
    ),
  );
}

hub.addEventListener("message", (e) => showMessage(e.detail));

$("#call-message-form")?.addEventListener("submit", async (e) => {
  e.preventDefault();
  const box = $("#call-message");
  const body = box.value.trim();
  if (!body || !state.call) return;
  const id = randomId("msg");
  box.value = "";
  try {
    showMessage(await reliably("message/send", { client_message_id: id, body, call_id: state.call.id }));
  } catch (err) {
    box.value = body;
    $("#queue-text").textContent = `Your message was not sent: ${err.message}`;
  }
});

// -- start ---------------------------------------------------------------------------------
goto(simple ? "simple" : "who", { push: false });
history.replaceState({ step: simple ? "simple" : "who" }, "", window.location.pathname);
startHub(hub);
if (simple) {
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
