// The call's video tiles on the console: one per participant (and one for this console's
// own camera), each with its name, its role and what arrives from it ("Connected" is the
// call's state; a tile says whether its video is).

import { el } from "/js/shared/dom.js";

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

export class CallTiles {
  // videos: the tiles' container; call: () => the call shown (for names and roles).
  constructor({ videos, call }) {
    this.videos = videos;
    this.call = call;
  }

  participant(key) {
    return this.call()?.participants.find((p) => p.key === key);
  }

  tile(key) {
    return this.videos.querySelector(`[data-key="${CSS.escape(key)}"]`);
  }

  // The peers' tiles (not this console's own).
  peers() {
    return [...this.videos.querySelectorAll("figure[data-key]:not(.console-tile--self)")];
  }

  clear() {
    this.videos.replaceChildren();
  }

  add(key, stream, name = null, { self = false } = {}) {
    let tile = this.tile(key);
    const who = this.participant(key);
    if (!tile) {
      const video = el("video", { autoplay: true, playsinline: true, "aria-label": `Video of ${name ?? who?.name ?? "participant"}` });
      video.muted = self;
      tile = el(
        "figure",
        { class: `console-tile${self ? " console-tile--self" : ""}`, dataset: { key, role: self ? "self" : who?.role ?? "" } },
        video,
        el("figcaption", { class: "console-tile__name" }, name ?? this.name(who)),
        self ? null : el("span", { class: "console-tile__media", role: "status" }, MEDIA_WORDS.connecting),
      );
      if (!self) tile.dataset.media = "connecting";
      if (self) this.videos.append(tile);
      else this.videos.prepend(tile);
    }
    const video = tile.querySelector("video");
    if (video.srcObject !== stream) video.srcObject = stream;
    video.play?.().catch(() => {});
  }

  remove(key) {
    this.tile(key)?.remove();
  }

  name(who) {
    if (!who) return "Participant";
    const role = { caller: this.call()?.site_name ?? "Site", nurse: "Hub nurse", specialist: "Specialist" }[who.role] ?? who.role;
    return `${who.name} · ${role}`;
  }

  label() {
    for (const tile of this.videos.querySelectorAll("figure[data-key]")) {
      if (tile.dataset.key === "self") continue;
      const who = this.participant(tile.dataset.key);
      if (who) {
        tile.dataset.role = who.role;
        tile.querySelector("figcaption").textContent = this.name(who);
      }
    }
  }

  peerState(key, state) {
    const tile = this.tile(key);
    if (tile) tile.dataset.state = state;
  }

  // Shown afresh at the next reading (the peer said what its camera is doing).
  forgetMedia(key) {
    const tile = this.tile(key);
    if (tile) delete tile.dataset.media;
  }

  // One reading of what arrives from a peer; false when its tile already says so.
  showMedia({ key, state, said }) {
    const tile = this.tile(key);
    if (!tile || tile.dataset.media === state) return false;
    tile.dataset.media = state;
    tile.querySelector(".console-tile__media").textContent =
      state === "camera_off" ? cameraOffWords(this.participant(key), said) : MEDIA_WORDS[state];
    return true;
  }
}
