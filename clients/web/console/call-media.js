// The media of the call in front of this console, with no DOM: the camera and microphone
// (opened once per call), the mesh of peer connections, what arrives from each peer (and
// why a peer's camera is off, as it told us), and the call/quality report. The view
// (call.js) listens and draws the tiles:
//
//   "remote-stream"  detail: {key, stream}  a peer's media arrived
//   "peer-left"      detail: {key}          a peer left the call
//   "peer-media"     detail: {key}          a peer said what its camera is doing
//   "peer-state"     detail: {key, state}   a peer connection's state changed

import { MediaWatch } from "/js/shared/media-state.js";
import { QualityTally } from "/js/shared/quality.js";
import { CallMesh, rtcConfiguration } from "/js/shared/rtc.js";

export class CallMedia extends EventTarget {
  constructor({ hub, onCameraFailed }) {
    super();
    this.hub = hub;
    this.onCameraFailed = onCameraFailed; // (err) => void: told once per failed opening
    this.mesh = null;
    this.localStream = null;
    this.camera = null; // the camera opening (a promise of the stream, or null if it failed)
    this.watch = new MediaWatch();
    this.cameraOff = new Map(); // peer key -> why its camera is off, as it told us
    this.quality = null; // {callId, tally}: how the call went on this console
  }

  get selfKey() {
    return this.hub.authOk?.who.participant_key;
  }

  // The camera and microphone, opened once per call (shared by offerAhead and connect).
  openCamera() {
    this.camera ??= navigator.mediaDevices.getUserMedia({ video: true, audio: true }).then(
      (stream) => {
        this.localStream = stream;
        return stream;
      },
      (err) => {
        this.onCameraFailed(err);
        return null;
      },
    );
    return this.camera;
  }

  // The camera, or null if it has not opened within `ms` (it goes on opening).
  cameraWithin(ms) {
    const late = new Promise((resolve) => setTimeout(() => resolve(null), ms));
    return Promise.race([this.openCamera(), late]);
  }

  // Bring the mesh up to date with a call that is connected or on hold (after the camera).
  connect(call, { arrived }) {
    if (!this.mesh) {
      this.mesh = this.#newMesh(call.id);
    } else {
      this.mesh.release(); // after offerAhead: the accept is ours, send what was held
    }
    this.mesh.update(call, { iJustArrived: arrived });
  }

  update(call) {
    this.mesh?.update(call);
  }

  // The first offer to a waiting call's caller, to go with call/accept (docs/protocol.md).
  offerAhead(callId, callerKey) {
    this.mesh = this.#newMesh(callId);
    return this.mesh.offerAhead(callerKey);
  }

  #newMesh(callId) {
    const mesh = new CallMesh({
      hub: this.hub,
      callId,
      selfKey: this.selfKey,
      localStream: this.localStream,
      configuration: rtcConfiguration(this.hub.authOk),
    });
    const tell = (type, detail) => this.dispatchEvent(new CustomEvent(type, { detail }));
    mesh.addEventListener("remote-stream", (e) => tell("remote-stream", e.detail));
    mesh.addEventListener("peer-left", (e) => {
      this.watch.forget(e.detail.key);
      this.cameraOff.delete(e.detail.key);
      tell("peer-left", { key: e.detail.key });
    });
    mesh.addEventListener("peer-media", (e) => {
      const { key, video, why } = e.detail;
      if (video) this.cameraOff.delete(key);
      else this.cameraOff.set(key, why ?? "turned_off");
      tell("peer-media", { key });
    });
    mesh.addEventListener("peer-state", (e) => tell("peer-state", e.detail));
    return mesh;
  }

  // What arrives from each peer now, one reading at a time: {key, state, said}. A peer that
  // said why its camera is off (the tablet's weak uplink) reads as "camera_off", not as a
  // frozen picture; `said` is why.
  async *readings() {
    const mesh = this.mesh;
    if (!mesh) return;
    for (const [key, { pc }] of mesh.peers) {
      const judged = await this.watch.sample(key, pc);
      const said = this.cameraOff.get(key);
      const state = said && judged !== "video" && judged !== "failed" ? "camera_off" : judged;
      yield { key, state, said };
    }
  }

  // The way out of a call with no media: try the network again, or carry on with sound.
  retry() {
    for (const key of this.mesh?.peers.keys() ?? []) this.watch.forget(key);
    this.mesh?.restartIce();
  }

  soundOnly() {
    for (const track of this.localStream?.getVideoTracks() ?? []) track.enabled = false;
    this.quality?.tally?.connected(false); // sound alone from now on
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

  stop() {
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
  }
}
