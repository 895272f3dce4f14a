// The call in front of this console: video with everyone in it, the SBARD summary, the
// resident's summary, messages with the site, and the nurse's controls.

import { MediaWatch } from "/js/shared/media-state.js";
import { QualityTally } from "/js/shared/quality.js";
import { CallMesh, rtcConfiguration } from "/js/shared/rtc.js";
import { el } from "/js/shared/dom.js";
import { londonTime, NEWS2_TAGS } from "./format.js";

// Each tile's media, apart from the call's state ("Connected" is not "video connected").
const MEDIA_WORDS = {
  connecting: "Connecting…",
  video: "Video",
  audio_only: "Audio only",
  frozen: "Picture frozen",
  no_media: "No media",
  failed: "Could not connect through the network",
};

function cameraOffWords(who, why) {
  const whose = !who || who.role === "caller" ? "The home's" : `${who.name}'s`;
  if (why === "weak_connection") return `${whose} camera is off: weak connection`;
  if (why === "camera_failed") return `${whose} camera has stopped working`;
  return `${whose} camera is off`;
}

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
    this.mesh = null;
    this.localStream = null;
    this.camera = null; // the camera opening (a promise of the stream, or null if it failed)
    this.joinedAt = null;
    this.messages = [];
    this.$ = (id) => document.getElementById(id);
    this.watch = new MediaWatch();
    this.cameraOff = new Map(); // peer key -> why its camera is off, as it told us
    this.bindWayOut();
    this.timer = setInterval(() => {
      this.tickTimer();
      this.watchMedia();
    }, 1000);
    this.$("message-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.sendMessage();
    });
    hub.addEventListener("message", (e) => this.onMessage(e.detail));
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
      if (this.mesh?.callId !== call.id) this.$("videos").replaceChildren();
      this.messages = [];
      this.$("thread").replaceChildren();
      // What the home sent about this call before it was answered (the socket has the
      // whole thread: replayed on connect, live since).
      const before = [...this.hub.messages.values()].filter((m) => m.call_id === call.id);
      for (const m of before.sort((a, b) => a.hub_seq - b.hub_seq)) this.onMessage(m);
      this.renderStatic(call);
      this.loadResident(call);
      this.register?.show(call);
    }
    this.renderState(call);
    if (call.state === "connected" || call.state === "on_hold") {
      await this.startMedia(call, { arrived: fresh || arrived });
      this.startQuality(call);
    } else {
      this.stopMedia();
    }
  }

  update(call) {
    if (!this.call || call.id !== this.call.id) return;
    this.call = call;
    this.renderState(call);
    if (this.mesh && (call.state === "connected" || call.state === "on_hold")) {
      this.mesh.update(call);
      this.labelTiles();
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
    this.$("videos").replaceChildren();
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
    await this.openCamera();
    // Here, not as the camera opens: a fresh call's show() has just cleared the tiles.
    if (this.localStream) this.addTile("self", this.localStream, "You", { self: true });
    if (!this.mesh) {
      this.mesh = this.newMesh(call.id);
      this.mesh.update(call, { iJustArrived: arrived });
    } else {
      this.mesh.release(); // after offerAhead: the accept is ours, send what was held
      this.mesh.update(call, { iJustArrived: arrived });
    }
    this.labelTiles();
  }

  // The camera and microphone, opened once per call (shared by offerAhead and startMedia).
  openCamera() {
    this.camera ??= navigator.mediaDevices.getUserMedia({ video: true, audio: true }).then(
      (stream) => {
        this.localStream = stream;
        return stream;
      },
      (err) => {
        this.alerts.show(`Camera or microphone unavailable: ${err.message}. You can still talk by message.`, { tone: "urgent", sticky: true });
        return null;
      },
    );
    return this.camera;
  }

  newMesh(callId) {
    const mesh = new CallMesh({
      hub: this.hub,
      callId,
      selfKey: this.selfKey,
      localStream: this.localStream,
      configuration: rtcConfiguration(this.hub.authOk),
    });
    mesh.addEventListener("remote-stream", (e) => this.addTile(e.detail.key, e.detail.stream));
    mesh.addEventListener("peer-left", (e) => this.removeTile(e.detail.key));
    mesh.addEventListener("peer-media", (e) => this.peerMedia(e.detail));
    mesh.addEventListener("peer-state", (e) => {
      const tile = this.$("videos").querySelector(`[data-key="${CSS.escape(e.detail.key)}"]`);
      if (tile) tile.dataset.state = e.detail.state;
    });
    return mesh;
  }

  // Before call/accept: the first offer to the waiting call's caller, to go with the accept
  // (docs/protocol.md), so the hub relays it the moment the accept commits. Waits for the
  // camera at most CAMERA_AHEAD_MS (a camera slow to open, or a permission prompt, must not
  // hold up the accept); null when there is no camera yet, no caller to offer to, or a call
  // already in front of this console: the accept then goes alone and media starts after it.
  async offerAhead(waiting) {
    const caller = waiting?.participants.find((p) => p.role === "caller" && p.connected);
    if (!caller || this.call || this.mesh) return null;
    const late = new Promise((resolve) => setTimeout(() => resolve(null), CAMERA_AHEAD_MS));
    const stream = await Promise.race([this.openCamera(), late]);
    if (!stream || this.call || this.mesh) return null;
    this.mesh = this.newMesh(waiting.id);
    return this.mesh.offerAhead(caller.key);
  }

  // The accept was refused: drop the offer made for it, and the camera opened for it.
  abandonAhead() {
    if (!this.call) this.stopMedia();
  }

  stopMedia() {
    this.reportQuality(); // the call has ended for this console: before its media stops
    for (const key of this.mesh?.peers.keys() ?? []) this.watch.forget(key);
    this.mesh?.close();
    this.mesh = null;
    const camera = this.camera;
    this.camera = null;
    if (this.localStream) {
      for (const track of this.localStream.getTracks()) track.stop();
      this.localStream = null;
    } else {
      // Still opening: stop it once it opens (offerAhead gave up waiting for it).
      camera?.then((stream) => stream?.getTracks().forEach((t) => t.stop()));
    }
    this.$("videos").replaceChildren();
  }

  participant(key) {
    return this.call?.participants.find((p) => p.key === key);
  }

  addTile(key, stream, name = null, { self = false } = {}) {
    const videos = this.$("videos");
    let tile = videos.querySelector(`[data-key="${CSS.escape(key)}"]`);
    const who = this.participant(key);
    if (!tile) {
      const video = el("video", { autoplay: true, playsinline: true, "aria-label": `Video of ${name ?? who?.name ?? "participant"}` });
      video.muted = self;
      tile = el(
        "figure",
        { class: `console-tile${self ? " console-tile--self" : ""}`, dataset: { key, role: self ? "self" : who?.role ?? "" } },
        video,
        el("figcaption", { class: "console-tile__name" }, name ?? this.tileName(who)),
        self ? null : el("span", { class: "console-tile__media", role: "status" }, MEDIA_WORDS.connecting),
      );
      if (!self) tile.dataset.media = "connecting";
      if (self) videos.append(tile);
      else videos.prepend(tile);
    }
    const video = tile.querySelector("video");
    if (video.srcObject !== stream) video.srcObject = stream;
    video.play?.().catch(() => {});
  }

  tileName(who) {
    if (!who) return "Participant";
    const role = { caller: this.call?.site_name ?? "Site", nurse: "Hub nurse", specialist: "Specialist" }[who.role] ?? who.role;
    return `${who.name} · ${role}`;
  }

  labelTiles() {
    for (const tile of this.$("videos").querySelectorAll("figure[data-key]")) {
      if (tile.dataset.key === "self") continue;
      const who = this.participant(tile.dataset.key);
      if (who) {
        tile.dataset.role = who.role;
        tile.querySelector("figcaption").textContent = this.tileName(who);
      }
    }
  }

  // Once a second: what arrives from each peer, on its tile. A peer that said why its
  // camera is off (the tablet's weak uplink) is shown as that, not as a frozen picture.
  async watchMedia() {
    if (!this.mesh) return;
    for (const [key, { pc }] of this.mesh.peers) {
      const judged = await this.watch.sample(key, pc);
      const said = this.cameraOff.get(key);
      const state = said && judged !== "video" && judged !== "failed" ? "camera_off" : judged;
      const tile = this.$("videos").querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (!tile || tile.dataset.media === state) continue;
      tile.dataset.media = state;
      this.showWayOut();
      tile.querySelector(".console-tile__media").textContent =
        state === "camera_off" ? cameraOffWords(this.participant(key), said) : MEDIA_WORDS[state];
    }
  }

  // How the call went on this console, for call/quality (as the tablet reports it): video
  // or sound alone from when it connects, reported once when the call ends here.
  startQuality(call) {
    if (this.quality?.callId === call.id) return;
    this.quality = { callId: call.id, tally: new QualityTally() };
    this.quality.tally.connected(Boolean(this.localStream?.getVideoTracks().some((t) => t.enabled)));
  }

  // Best effort: a report the hub does not take loses a quality figure, never a clinical one.
  reportQuality() {
    const q = this.quality;
    if (!q?.tally) return;
    const fields = { call_id: q.callId, ...q.tally.report() };
    q.tally = null;
    this.hub.command("call/quality", fields).catch(() => {});
  }

  // No media from anyone 10 s on (or the network refused it): retry, sound only, or phone.
  showWayOut() {
    const tiles = [...this.$("videos").querySelectorAll("figure[data-key]:not(.console-tile--self)")];
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
      for (const key of this.mesh?.peers.keys() ?? []) this.watch.forget(key);
      this.mesh?.restartIce();
      this.$("media-help").hidden = true;
    });
    this.$("media-audio-only")?.addEventListener("click", () => {
      for (const track of this.localStream?.getVideoTracks() ?? []) track.enabled = false;
      this.quality?.tally?.connected(false); // sound alone from now on
      this.$("media-help").hidden = true;
      this.alerts.show("Carrying on with sound only: your camera is off.");
    });
  }

  // A peer told us what its camera is doing (signal/media).
  peerMedia({ key, video, why }) {
    if (video) this.cameraOff.delete(key);
    else this.cameraOff.set(key, why ?? "turned_off");
    const tile = this.$("videos").querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (tile) delete tile.dataset.media; // shown afresh at the next reading
  }

  removeTile(key) {
    this.watch.forget(key);
    this.cameraOff.delete(key);
    this.$("videos").querySelector(`[data-key="${CSS.escape(key)}"]`)?.remove();
  }

  async loadResident(call) {
    const box = this.$("resident");
    if (!call.person_id) {
      box.replaceChildren(el("p", { class: "console-muted" }, "No resident named on this call."));
      return;
    }
    box.replaceChildren(el("p", { class: "console-muted" }, "Loading…"));
    const response = await fetch(`/api/residents/${call.person_id}/summary?call=${encodeURIComponent(call.id)}`);
    if (!response.ok || this.call?.id !== call.id) {
      if (this.call?.id === call.id) box.replaceChildren(el("p", {}, "The resident's record could not be read."));
      return;
    }
    const r = await response.json();
    const resus = r.resuscitation_status;
    const resusClass = resus === "for_cpr" ? "green" : resus === "not_recorded" ? "grey" : "red";
    const row = (key, value) =>
      el("div", { class: "nhsuk-summary-list__row" }, el("dt", { class: "nhsuk-summary-list__key" }, key), el("dd", { class: "nhsuk-summary-list__value" }, value || "None recorded"));
    box.replaceChildren(
      el("p", { class: "console-resident__name" }, el("strong", {}, r.name), ` · ${r.age} years · NHS ${r.nhs_number.replace(/(\d{3})(\d{3})(\d{4})/, "$1 $2 $3")}`),
      el("p", {}, el("strong", { class: `nhsuk-tag nhsuk-tag--${resusClass} console-tag`, id: "resus" }, `ReSPECT / DNACPR: ${r.resuscitation_label}`)),
      el("dl", { class: "nhsuk-summary-list console-summary" }, row("Conditions", r.key_conditions), row("Allergies", r.allergies), row("Care wishes", r.care_wishes)),
      el("h4", { class: "nhsuk-heading-xs" }, "Last calls"),
      r.recent_calls.length
        ? el(
            "ol",
            { class: "console-recent" },
            r.recent_calls.map((c) =>
              el(
                "li",
                {},
                el("a", { href: `/console/calls/${c.id}`, target: "_blank", rel: "noopener" }, londonTime(c.started_at, true)),
                ` · ${c.reason} · `,
                el("strong", {}, c.disposition ?? this.label("call_state", c.state)),
                c.note ? el("span", { class: "console-muted console-small" }, ` – ${c.note}`) : null,
              ),
            ),
          )
        : el("p", { class: "console-muted" }, "No earlier calls."),
    );
  }

  onMessage(message) {
    if (!this.call || message.site_id !== this.call.site_id) return;
    if (message.call_id && message.call_id !== this.call.id) return;
    if (this.messages.some((m) => m.id === message.id)) return;
    this.messages.push(message);
    const mine = message.sender_key === this.selfKey;
    this.$("thread").append(
      el(
        "li",
        { class: `console-thread__item${mine ? " console-thread__item--mine" : ""}` },
        el("span", { class: "console-small console-muted" }, `${message.sender_name}, ${londonTime(message.created_at)}`),
        el("br"),
        message.body,
      ),
    );
  }

  async sendMessage() {
    const input = this.$("message-body");
    const body = input.value.trim();
    if (!body || !this.call) return;
    try {
      await this.hub.command("message/send", {
        site_id: this.call.site_id,
        call_id: this.call.id,
        client_message_id: crypto.randomUUID(),
        body,
      });
      input.value = "";
    } catch (err) {
      this.alerts.show(`Message not sent: ${err.message}`, { tone: "urgent" });
    }
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
