// The tablet's side of a live call: its own camera and microphone, the video mesh with the
// hub's clinicians, the status line, mute and camera buttons, and watching the link (video
// off when the uplink has been too poor for a while; the nurse's media state shown apart
// from the call's, with a way out when no media has come in 10 s).

import { $, $$, el } from "/js/shared/dom.js";
import { CallMesh, decodedFrames } from "/js/shared/rtc.js";
import { MediaWatch } from "/js/shared/media-state.js";
import { LocalMedia, linkSample, uplinkTooPoor } from "./media.js";

const MEDIA_WORDS = {
  connecting: "Connecting video…",
  video: "Video connected",
  audio_only: "Sound only: no picture from the hub",
  frozen: "The picture has frozen. You can still talk.",
  no_media: "No sound or picture has arrived yet.",
  failed: "Could not connect through the network.",
};

export class InCallView {
  constructor(hub, session) {
    this.hub = hub;
    this.session = session;
    this.media = null; // LocalMedia, from startMedia()
    this.mesh = null; // CallMesh, once the call, the camera and our key are all known
    this.remoteKey = null; // whose video is the big one
    this.firstFrameAt = null; // when that video first showed a frame
    this.samples = []; // the last ten link samples
    this.autoAudioOnly = false; // video turned off for a poor uplink, not by the user
    this.watching = false;
    this.watch = new MediaWatch();
    this.mediaState = "connecting"; // the main remote's media, see media-state.js
    this.timers = [];
    this.statusTimer = null;
    session.addEventListener("open", () => this.#reconnected());
    this.#bindButtons();
  }

  get showing() {
    return document.body.dataset.screen === "in-call";
  }

  nurseName() {
    return this.session.call?.nurse_name ?? "the nurse";
  }

  async startMedia() {
    this.media = new LocalMedia();
    await this.media.start();
  }

  showPreview() {
    $("#preview-video").srcObject = this.media.stream;
    this.showSelf();
  }

  stopMedia() {
    this.media?.stop();
    this.media = null;
  }

  showSelf() {
    const self = $("#self-video");
    self.srcObject = this.media.stream;
    const hasVideo = Boolean(this.media.videoTrack);
    self.hidden = !hasVideo;
    $("#preview-video").hidden = !hasVideo;
    $("#preview-caption").textContent = hasVideo
      ? "Your camera: this is what the nurse will see"
      : `Audio only: ${this.media.why ?? "the camera is off"}. The nurse can still hear you.`;
    this.#cameraButton();
  }

  ensureMesh() {
    const { call, selfKey, configuration } = this.session;
    if (this.mesh || !selfKey || !call || !this.media) return;
    const mesh = new CallMesh({
      hub: this.hub,
      callId: call.id,
      selfKey,
      localStream: this.media?.stream ?? null,
      configuration,
    });
    mesh.addEventListener("remote-stream", (e) => this.#showRemote(e.detail.key, e.detail.stream));
    mesh.addEventListener("peer-state", (e) => this.#onPeerState(e.detail));
    mesh.addEventListener("peer-left", (e) => this.#dropRemote(e.detail.key));
    mesh.addEventListener("error", (e) => console.warn("call media:", e.detail?.message ?? e.detail));
    this.mesh = mesh;
  }

  // The call is live (connected or on hold): the page has shown the in-call screen.
  show(call) {
    if (!this.watching) {
      this.watching = true;
      this.#watchLink();
    }
    this.showSelf();
    this.setStatus();
    this.mesh?.update(call);
  }

  setStatus(override, { transient = false } = {}) {
    const status = $("#call-status");
    if (!status || !this.showing) return;
    clearTimeout(this.statusTimer);
    if (override && transient) this.statusTimer = setTimeout(() => this.setStatus(), 6000);
    let words;
    if (override) words = override;
    else if (this.session.call?.state === "on_hold") words = `${this.nurseName()} has put the call on hold. Please wait.`;
    else if (this.mediaState === "frozen") words = `${this.nurseName()}'s picture has frozen. You can still talk.`;
    else if (this.mediaState === "failed") words = `Could not connect to ${this.nurseName()} through the network.`;
    else if (!this.firstFrameAt) words = `Connecting to ${this.nurseName()}…`;
    else words = `Connected to ${this.nurseName()}.`;
    if (this.media?.audioOnly && !this.media.videoTrack) words += ` Audio only: ${this.media.why ?? "your camera is off"}.`;
    else if (this.autoAudioOnly) words += " Your video is off because the connection is weak, to keep the sound clear.";
    if (status.textContent !== words) status.textContent = words;
  }

  close() {
    for (const timer of this.timers) clearInterval(timer);
    this.mesh?.close();
    this.media?.stop();
  }

  // The hub came back: media kept flowing peer to peer; restart ICE only where it broke.
  #reconnected() {
    if (!this.mesh) return;
    this.mesh.configuration = this.session.configuration;
    for (const [key, peer] of this.mesh.peers) {
      if (["disconnected", "failed"].includes(peer.pc.connectionState)) this.mesh.offer(key, peer, { iceRestart: true });
    }
  }

  #showRemote(key, stream) {
    const participants = this.session.call?.participants ?? [];
    const nurse = participants.find((p) => p.role === "nurse");
    const main = !this.remoteKey || key === this.remoteKey || key === nurse?.key;
    let video;
    if (main) {
      this.remoteKey = key;
      video = $("#remote-video");
    } else {
      video = document.getElementById(`remote-${key}`); // an id, not a selector: no escaping
      if (!video) {
        const name = participants.find((p) => p.key === key)?.name ?? "Another clinician";
        video = el("video", { id: `remote-${key}`, autoplay: true, playsinline: true, "aria-label": `${name}'s video` });
        $("#other-videos").append(video);
      }
    }
    if (video.srcObject !== stream) {
      video.srcObject = stream;
      play(video);
    }
    if (main) this.#watchFirstFrame(video);
  }

  #watchFirstFrame(video) {
    if (this.firstFrameAt) return;
    const seen = () => {
      if (this.firstFrameAt) return;
      this.firstFrameAt = performance.timeOrigin + performance.now();
      $("#remote-placeholder").hidden = true;
      this.setStatus();
    };
    if (typeof video.requestVideoFrameCallback === "function") video.requestVideoFrameCallback(seen);
    const poll = () => {
      if (this.firstFrameAt || this.session.ended) return;
      if (decodedFrames(video) > 0) seen();
      else setTimeout(poll, 50);
    };
    poll();
  }

  #dropRemote(key) {
    this.watch.forget(key);
    document.getElementById(`remote-${key}`)?.remove();
    if (key === this.remoteKey) {
      this.remoteKey = null;
      $("#remote-video").srcObject = null;
    }
  }

  #onPeerState({ key, state }) {
    if (key !== this.remoteKey && this.remoteKey) return;
    if (state === "disconnected" || state === "failed") this.setStatus("Reconnecting video…");
    else if (state === "connected") this.setStatus();
  }

  // The uplink is too poor for video: the camera goes off to keep the sound clear, and the
  // nurse is told why no picture comes (not a frozen tile labelled "Connected").
  async fallBackForWeakLink() {
    if (this.autoAudioOnly || !this.media?.videoTrack) return;
    this.autoAudioOnly = true;
    await this.media.setCameraOff(true, this.mesh);
    this.mesh?.tellMedia(false, "weak_connection");
    this.showSelf();
    this.setStatus();
  }

  // Every 2 s: is our uplink too poor for video (fall back to audio only), and has the
  // nurse's video stalled while their voice still comes through?
  #watchLink() {
    const timer = setInterval(async () => {
      const peer = this.mesh?.peers.get(this.remoteKey);
      if (!peer || this.session.ended) return;
      this.samples.push(await linkSample(peer.pc));
      this.samples = this.samples.slice(-10);
      if (!this.autoAudioOnly && this.media?.videoTrack && uplinkTooPoor(this.samples, this.media.videoSince)) {
        await this.fallBackForWeakLink();
      }
    }, 2000);
    const media = setInterval(async () => {
      const peer = this.mesh?.peers.get(this.remoteKey);
      if (!peer || this.session.ended) return;
      this.#showMedia(await this.watch.sample(this.remoteKey, peer.pc));
    }, 1000);
    this.timers.push(timer, media);
  }

  // The nurse's media, apart from the call's state; the way out when none has come.
  #showMedia(state) {
    const changed = state !== this.mediaState;
    this.mediaState = state;
    const node = $("#media-state");
    node.dataset.media = state;
    if (node.textContent !== MEDIA_WORDS[state]) node.textContent = MEDIA_WORDS[state];
    const placeholder = $("#remote-placeholder");
    placeholder.textContent = `${this.nurseName()}'s picture has frozen. You can still talk to each other.`;
    placeholder.hidden = state !== "frozen";
    const help = $("#media-help");
    help.hidden = !["no_media", "failed"].includes(state);
    $("#media-help-text").textContent =
      state === "failed"
        ? "Could not connect through the network. The tablet's network may block video calls."
        : "The video has not started.";
    if (changed) this.setStatus();
  }

  #cameraButton() {
    $("#camera").textContent = this.media?.cameraOff || !this.media?.videoTrack ? "Camera on" : "Camera off";
  }

  #bindButtons() {
    $("#media-retry")?.addEventListener("click", () => {
      this.watch.forget(this.remoteKey);
      this.mesh?.restartIce();
      this.#showMedia("connecting");
    });
    $("#media-audio-only")?.addEventListener("click", async () => {
      await this.media?.setCameraOff(true, this.mesh);
      this.showSelf();
      this.setStatus();
    });
    $("#mute")?.addEventListener("click", () => {
      this.media?.setMuted(!this.media.muted);
      $("#mute").textContent = this.media?.muted ? "Unmute" : "Mute";
      this.setStatus(this.media?.muted ? "You are muted. The nurse cannot hear you." : undefined);
    });
    $("#camera")?.addEventListener("click", async () => {
      if (!this.media) return;
      const turnOff = Boolean(this.media.videoTrack);
      try {
        await this.media.setCameraOff(turnOff, this.mesh);
        this.autoAudioOnly = false;
      } catch {
        this.setStatus("The camera could not be turned on.", { transient: true });
      }
      this.showSelf();
      this.setStatus();
    });
    $("#switch-camera")?.addEventListener("click", async () => {
      if (!this.media) return;
      const switched = await this.media.switchCamera(this.mesh).catch(() => false);
      this.showSelf();
      $("#self-video").classList.toggle("tablet-self--rear", this.media.facing === "environment");
      this.setStatus(switched ? undefined : "This tablet has only one camera.", { transient: true });
    });
  }
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
