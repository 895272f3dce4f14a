// "Check my equipment": the camera and microphone here, then a short test call to the hub's
// echo peer (our own picture and sound sent back), ending in a plain-English verdict.

import { HubSocket } from "/js/shared/signalling.js";
import { decodedFrames, rtcConfiguration } from "/js/shared/rtc.js";
import { tabletAuth } from "./device.js";
import { $ } from "/js/shared/dom.js";
import { bindConnection } from "./ui.js";

const hub = new HubSocket({ getAuth: tabletAuth, resumeMessages: false });
bindConnection(hub);
const preview = $("#check-preview");
const meter = $("#mic-level");
const verdict = $("#verdict");
const result = { camera: null, microphone: null, call: null, roundTripMs: null, finishedAt: null };
window.telehubTablet = { hub, result };

const FRAMES_NEEDED = 10;
const CALL_TIMEOUT_MS = 15000;

function mark(check, ok, words) {
  const item = document.querySelector(`[data-check="${check}"]`);
  item.dataset.ok = String(ok);
  item.querySelector(".tablet-checklist__state").textContent = words;
}

function until(test, ms) {
  return new Promise((resolve) => {
    const started = performance.now();
    const poll = () => {
      if (test()) resolve(true);
      else if (performance.now() - started > ms) resolve(false);
      else setTimeout(poll, 50);
    };
    poll();
  });
}

// The loudest the microphone has been in the last while, from 0 to 1.
function listen(stream) {
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  context.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let loudest = 0;
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    const peak = samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    loudest = Math.max(loudest, peak);
    meter.value = Math.min(1, peak);
  }, 100);
  return {
    get loudest() {
      return loudest;
    },
    stop() {
      clearInterval(timer);
      context.close();
    },
  };
}

let current = null;

async function devices() {
  for (const track of current?.getTracks() ?? []) track.stop();
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  } catch {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      stream = new MediaStream();
    }
  }
  current = stream;
  preview.srcObject = stream;
  const hasVideo = stream.getVideoTracks().length > 0;
  result.camera = hasVideo && (await until(() => decodedFrames(preview) > 0, 5000));
  mark("camera", result.camera, result.camera ? "Working" : "Not working");
  const audio = stream.getAudioTracks()[0];
  if (!audio) {
    result.microphone = false;
    mark("microphone", false, "Not working");
    return stream;
  }
  const level = listen(stream);
  const heard = await until(() => level.loudest > 0.01, 4000);
  level.stop();
  result.microphone = heard ? true : "quiet";
  mark("microphone", true, heard ? "Working" : "Connected, but we heard nothing");
  return stream;
}

function gathered(pc, ms) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState === "complete") resolve();
    };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, ms); // on a slow network, go with the candidates found so far
  });
}

async function testCall(stream) {
  mark("call", false, "Calling the test line…");
  if (hub.state !== "open") await new Promise((resolve) => hub.addEventListener("open", resolve, { once: true }));
  const pc = new RTCPeerConnection(rtcConfiguration(hub.authOk));
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  for (const kind of ["audio", "video"]) {
    if (!stream.getTracks().some((t) => t.kind === kind)) pc.addTransceiver(kind, { direction: "recvonly" });
  }
  const echoed = document.createElement("video");
  echoed.muted = true; // our own voice back would howl
  echoed.playsInline = true;
  pc.ontrack = ({ streams, track }) => {
    echoed.srcObject = streams[0] ?? new MediaStream([track]);
    echoed.play().catch(() => {});
  };
  let echoId = null;
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc, 3000);
    const answer = await hub.command("echo/start", { sdp: pc.localDescription.sdp });
    echoId = answer.echo_id;
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    const wantVideo = stream.getVideoTracks().length > 0;
    const ok = await until(
      () => pc.connectionState === "connected" && (!wantVideo || decodedFrames(echoed) >= FRAMES_NEEDED),
      CALL_TIMEOUT_MS,
    );
    if (ok) {
      const stats = await pc.getStats();
      stats.forEach((s) => {
        if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime !== undefined) {
          result.roundTripMs = Math.round(s.currentRoundTripTime * 1000);
        }
      });
    }
    result.call = ok;
    mark("call", ok, ok ? "Working" : "Did not connect");
  } catch (err) {
    result.call = false;
    mark("call", false, err.code === "rate_limited" ? "The test line is busy" : "Did not connect");
  } finally {
    if (echoId) hub.command("echo/stop", { echo_id: echoId }).catch(() => {});
    pc.close();
  }
}

function sayVerdict() {
  let words;
  let kind;
  if (result.camera && result.microphone === true && result.call) {
    kind = "pass";
    words = "Everything works. You are ready to call the hub.";
  } else if (!result.call) {
    kind = "fail";
    words =
      "The test call did not connect. Check the Wi-Fi or mobile signal and try again. " +
      "If it still fails, tell the hub by phone.";
  } else if (!result.camera) {
    kind = "warn";
    words = "The camera is not working, but you can still call the hub and talk. Check nothing covers the camera, then try again.";
  } else if (result.microphone !== true) {
    kind = result.microphone === "quiet" ? "warn" : "fail";
    words =
      result.microphone === "quiet"
        ? "We could not hear anything. Check the microphone is not muted or covered, then try again while speaking."
        : "The microphone is not working. The nurse would not hear you. Restart the tablet and try again.";
  }
  if (result.roundTripMs !== null && kind !== "fail") words += ` (Connection delay ${result.roundTripMs} ms.)`;
  verdict.dataset.kind = kind;
  verdict.replaceChildren();
  const title = document.createElement("h2");
  title.className = "nhsuk-heading-m";
  title.textContent = { pass: "Ready", warn: "Partly working", fail: "Not working" }[kind];
  const text = document.createElement("p");
  text.className = "nhsuk-body-l";
  text.textContent = words;
  verdict.append(title, text);
  verdict.focus();
}

$("#run-check").addEventListener("click", async () => {
  const button = $("#run-check");
  button.disabled = true;
  verdict.replaceChildren();
  delete verdict.dataset.kind;
  result.finishedAt = null;
  const stream = await devices();
  await testCall(stream);
  sayVerdict();
  result.finishedAt = Date.now();
  button.disabled = false;
  button.textContent = "Check again";
});

hub.start();
