// The call in front of this console: video with everyone in it, the SBARD summary, the
// resident's summary, messages with the site, and the nurse's controls. Its parts: the
// media with no DOM (call-media.js), the video tiles (call-tiles.js), the messages
// (call-thread.js) and the resident card (resident-card.js).

import { el } from "/js/shared/dom.js";
import { CallMedia } from "./call-media.js";
import { CallThread } from "./call-thread.js";
import { CallTiles } from "./call-tiles.js";
import { NEWS2_TAGS } from "./format.js";
import { ResidentCard } from "./resident-card.js";

// How long an accept waits for the camera to open so that its offer can go with it.
const CAMERA_AHEAD_MS = 500;

const STATE_TAGS = { connected: "green", on_hold: "yellow", wrap_up: "blue", ringing: "orange" };

export class CallView {
  constructor({ hub, root, labels, alerts, register = null }) {
    this.hub = hub;
    this.register = register; // the palliative register beside a Gold Line call
    this.root = root;
    this.labels = labels;
    this.alerts = alerts;
    this.call = null;
    this.joinedAt = null;
    this.$ = (id) => document.getElementById(id);
    const current = () => this.call;
    this.media = new CallMedia({
      hub,
      onCameraFailed: (err) =>
        alerts.show(`Camera or microphone unavailable: ${err.message}. You can still talk by message.`, { tone: "urgent", sticky: true }),
    });
    this.tiles = new CallTiles({ videos: this.$("videos"), call: current });
    this.thread = new CallThread({ hub, list: this.$("thread"), form: this.$("message-form"), input: this.$("message-body"), alerts, call: current });
    this.resident = new ResidentCard({ box: this.$("resident"), label: (kind, code) => this.label(kind, code), current });
    this.media.addEventListener("remote-stream", (e) => this.tiles.add(e.detail.key, e.detail.stream));
    this.media.addEventListener("peer-left", (e) => this.tiles.remove(e.detail.key));
    this.media.addEventListener("peer-media", (e) => this.tiles.forgetMedia(e.detail.key));
    this.media.addEventListener("peer-state", (e) => this.tiles.peerState(e.detail.key, e.detail.state));
    this.bindWayOut();
    this.timer = setInterval(() => {
      this.tickTimer();
      this.watchMedia();
    }, 1000);
  }

  get selfKey() {
    return this.hub.authOk?.who.participant_key;
  }

  get myRole() {
    return this.call?.participants.find((p) => p.key === this.selfKey)?.role ?? null;
  }

  // Show a call (after accept or join, or resumed after a reload) and bring media up to date.
  async show(call, { arrived = false } = {}) {
    const fresh = !this.call || this.call.id !== call.id;
    this.call = call;
    if (fresh) {
      this.joinedAt = performance.now();
      this.$("idle").hidden = true;
      this.root.hidden = false;
      // Tiles of the media made ahead of the accept (offerAhead) are this call's: kept.
      if (this.media.mesh?.callId !== call.id) this.tiles.clear();
      this.thread.start(call);
      this.renderStatic(call);
      this.resident.show(call);
      this.register?.show(call);
    }
    this.renderState(call);
    if (call.state === "connected" || call.state === "on_hold") {
      await this.startMedia(call, { arrived: fresh || arrived });
      this.media.startQuality(call);
    } else {
      this.stopMedia();
    }
  }

  update(call) {
    if (!this.call || call.id !== this.call.id) return;
    this.call = call;
    this.renderState(call);
    if (this.media.mesh && (call.state === "connected" || call.state === "on_hold")) {
      this.media.update(call);
      this.tiles.label();
    } else if (call.state !== "connected" && call.state !== "on_hold") {
      this.stopMedia();
    }
  }

  clear(text = "") {
    this.stopMedia();
    this.call = null;
    this.root.hidden = true;
    this.$("idle").hidden = false;
    this.$("call-heading").textContent = "No call in progress";
    this.$("last-outcome").textContent = text;
    this.tiles.clear();
  }

  label(kind, code) {
    return this.labels[kind]?.[code] ?? code;
  }

  renderStatic(call) {
    const who = call.person_name ? `: ${call.person_name}` : "";
    this.$("call-heading").textContent = `${call.site_name}${who}`;
    this.$("message-site").textContent = call.site_name;
    const news = call.news2;
    const badge = this.$("news2-badge");
    badge.replaceChildren(
      news
        ? el("strong", { class: `nhsuk-tag nhsuk-tag--${NEWS2_TAGS[news.band] ?? "grey"} console-tag` }, `NEWS2 ${news.total}`)
        : "",
    );
    const lines = (call.sbard || "").split("\n").filter(Boolean);
    this.$("sbard").replaceChildren(
      ...lines.map((line) => {
        const match = line.match(/^(Situation|Background|Assessment|Recommendation|Decision)[:\s]\s*(.*)$/i);
        return match
          ? el("p", { class: "console-sbard__line" }, el("strong", {}, `${match[1]}: `), match[2])
          : el("p", { class: "console-sbard__line" }, line);
      }),
    );
  }

  renderState(call) {
    this.root.dataset.state = call.state;
    const tag = this.$("call-state");
    tag.textContent = this.label("call_state", call.state);
    tag.className = `nhsuk-tag nhsuk-tag--${STATE_TAGS[call.state] ?? "grey"}`;
    const role = this.myRole;
    const live = call.state === "connected" || call.state === "on_hold";
    const hold = this.$("hold");
    if (hold) {
      hold.hidden = role !== "nurse" || !live;
      hold.firstChild.textContent = call.state === "on_hold" ? "Take off hold " : "Hold ";
    }
    for (const id of ["end", "transfer", "transfer-to", "invite", "invite-who"]) {
      const node = this.$(id);
      if (node) node.closest(".console-control-group, button").hidden = role !== "nurse" || !live;
    }
    this.$("leave").hidden = role !== "specialist" || !live;
    this.$("message-form").hidden = !(live || call.state === "wrap_up");
  }

  async startMedia(call, { arrived }) {
    await this.media.openCamera();
    // Here, not as the camera opens: a fresh call's show() has just cleared the tiles.
    if (this.media.localStream) this.tiles.add("self", this.media.localStream, "You", { self: true });
    this.media.connect(call, { arrived });
    this.tiles.label();
  }

  // Before call/accept: the first offer to the waiting call's caller, to go with the accept
  // (docs/protocol.md), so the hub relays it the moment the accept commits. Waits for the
  // camera at most CAMERA_AHEAD_MS (a camera slow to open, or a permission prompt, must not
  // hold up the accept); null when there is no camera yet, no caller to offer to, or a call
  // already in front of this console: the accept then goes alone and media starts after it.
  async offerAhead(waiting) {
    const caller = waiting?.participants.find((p) => p.role === "caller" && p.connected);
    if (!caller || this.call || this.media.mesh) return null;
    const stream = await this.media.cameraWithin(CAMERA_AHEAD_MS);
    if (!stream || this.call || this.media.mesh) return null;
    return this.media.offerAhead(waiting.id, caller.key);
  }

  // The accept was refused: drop the offer made for it, and the camera opened for it.
  abandonAhead() {
    if (!this.call) this.stopMedia();
  }

  stopMedia() {
    this.media.stop();
    this.tiles.clear();
  }

  // Once a second: what arrives from each peer, on its tile.
  async watchMedia() {
    for await (const reading of this.media.readings()) {
      if (this.tiles.showMedia(reading)) this.showWayOut();
    }
  }

  // No media from anyone 10 s on (or the network refused it): retry, sound only, or phone.
  showWayOut() {
    const tiles = this.tiles.peers();
    const stuck = tiles.length > 0 && tiles.every((t) => ["no_media", "failed"].includes(t.dataset.media));
    const help = this.$("media-help");
    if (!help || help.hidden === !stuck) return;
    help.hidden = !stuck;
    this.$("media-help-text").textContent = tiles.some((t) => t.dataset.media === "failed")
      ? "Could not connect through the network: the video has not started."
      : "The video has not started.";
  }

  bindWayOut() {
    this.$("media-retry")?.addEventListener("click", () => {
      this.media.retry();
      this.$("media-help").hidden = true;
    });
    this.$("media-audio-only")?.addEventListener("click", () => {
      this.media.soundOnly();
      this.$("media-help").hidden = true;
      this.alerts.show("Carrying on with sound only: your camera is off.");
    });
  }

  tickTimer() {
    const node = this.$("call-timer");
    if (!this.call || this.joinedAt === null) {
      node.textContent = "";
      return;
    }
    // Measured on this machine's clock from when this console showed the call, so a clock
    // that differs from the hub's does not show a nonsense duration.
    const seconds = Math.floor((performance.now() - this.joinedAt) / 1000);
    node.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")} on this call`;
  }
}
