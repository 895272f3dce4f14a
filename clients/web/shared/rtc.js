// The media side of a call: one RTCPeerConnection per other participant (a mesh of up to
// four), signalled through the hub. Media never passes through the hub.
//
// Who offers: the participant who arrives later offers to each one already connected
// (the nurse offers to the tablet; a specialist offers to both). If no offer has arrived
// a short while after both are present, the waiting side offers anyway; a collision is
// resolved by the "perfect negotiation" pattern (the polite side rolls back), so peers
// that follow another rule still connect. Candidates trickle: nothing waits for ICE
// gathering to finish.
//
// The nurse's first offer goes with the accept (offerAhead): the mesh connects to the
// caller and makes its offer while call/accept is being sent, holding every other signal
// (the ICE candidates gathered meanwhile) until release(): on the caller's answer or the
// accept's reply, whichever comes first, as either says the call is the nurse's (the hub
// relays the offer itself only once the accept is committed).

const FALLBACK_OFFER_MS = 2500;

// The RTCPeerConnection configuration the hub gives this page in auth_ok: its ICE servers
// (TURN with time-limited credentials) and whether media may go only through TURN
// ("relay": no address of the home's or the nurse's network is offered to the other side).
export function rtcConfiguration(authOk) {
  return { iceServers: authOk?.ice_servers ?? [], iceTransportPolicy: authOk?.ice_transport_policy ?? "all" };
}

export class CallMesh extends EventTarget {
  constructor({ hub, callId, selfKey, localStream, configuration = rtcConfiguration(null) }) {
    super();
    this.hub = hub;
    this.callId = callId;
    this.selfKey = selfKey;
    this.localStream = localStream;
    this.configuration = configuration;
    this.peers = new Map(); // key -> {pc, makingOffer, ignoreOffer, polite, timer}
    this.held = null; // signals not yet sent (offerAhead until release), else null
    this.heldOffer = null; // offerAhead's resolve, until its offer is made
    this.onSignal = (e) => this.handleSignal(e.detail);
    hub.addEventListener("hub-signal", this.onSignal);
    this.onOnline = () => this.restartIce();
    window.addEventListener("online", this.onOnline);
  }

  // Bring the mesh in line with a call snapshot: connect to newcomers, drop leavers.
  // A participant whose hub socket has only dropped (connected: false) is still in the call:
  // media flows peer to peer without the hub, so its connection is kept, not closed.
  update(call, { iJustArrived = false } = {}) {
    const others = call.participants.filter((p) => p.key !== this.selfKey);
    const inCall = new Set(others.map((p) => p.key));
    for (const [key] of this.peers) if (!inCall.has(key)) this.drop(key);
    for (const p of others) {
      if (p.connected && !this.peers.has(p.key)) this.connect(p.key, { offer: iJustArrived });
    }
  }

  connect(key, { offer }) {
    const pc = new RTCPeerConnection(this.configuration);
    const peer = { pc, makingOffer: false, ignoreOffer: false, polite: this.selfKey > key, timer: null };
    this.peers.set(key, peer);
    if (this.localStream) {
      for (const track of this.localStream.getTracks()) pc.addTrack(track, this.localStream);
    }
    pc.onicecandidate = ({ candidate }) => {
      if (!candidate) return;
      this.send("signal/candidate", key, { candidate: candidate.toJSON() });
    };
    pc.ontrack = ({ streams, track }) => {
      const stream = streams[0] ?? new MediaStream([track]);
      this.dispatchEvent(new CustomEvent("remote-stream", { detail: { key, stream } }));
    };
    pc.onconnectionstatechange = () => {
      this.dispatchEvent(new CustomEvent("peer-state", { detail: { key, state: pc.connectionState } }));
      if (pc.connectionState === "failed") pc.restartIce();
    };
    pc.onnegotiationneeded = async () => {
      if (!offer && !peer.allowOffers) return; // wait for the newcomer's offer first
      await this.offer(key, peer);
    };
    if (!offer) {
      peer.timer = setTimeout(() => {
        peer.allowOffers = true;
        if (pc.signalingState === "stable" && !pc.remoteDescription) this.offer(key, peer);
      }, FALLBACK_OFFER_MS);
    } else {
      peer.allowOffers = true;
    }
    return peer;
  }

  async offer(key, peer, { iceRestart = false } = {}) {
    const { pc } = peer;
    try {
      peer.makingOffer = true;
      // Without a camera (or microphone) still ask to receive the other side's.
      for (const kind of ["audio", "video"]) {
        if (!pc.getTransceivers().some((t) => t.receiver.track.kind === kind)) {
          pc.addTransceiver(kind, { direction: "recvonly" });
        }
      }
      if (iceRestart) pc.restartIce();
      await pc.setLocalDescription();
      this.send("signal/offer", key, { sdp: pc.localDescription.sdp, ice_restart: iceRestart });
    } catch (err) {
      this.#offerMade(null);
      this.dispatchEvent(new CustomEvent("error", { detail: err }));
    } finally {
      peer.makingOffer = false;
    }
  }

  // Connect to `key` (the caller) and make the first offer now, before the hub has given
  // us the call: resolves to {to, sdp} for call/accept's `offer` (null if no offer could be
  // made). Every other signal is held until release() or dropped by close().
  offerAhead(key) {
    this.held = [];
    const made = new Promise((resolve) => {
      this.heldOffer = resolve;
    });
    this.connect(key, { offer: true });
    return made;
  }

  // The accept's reply: the call is ours. Send what was held, in order.
  release() {
    const held = this.held ?? [];
    this.held = null;
    this.#offerMade(null);
    for (const [type, to, fields] of held) this.send(type, to, fields);
  }

  #offerMade(offer) {
    const resolve = this.heldOffer;
    this.heldOffer = null;
    resolve?.(offer);
  }

  async handleSignal(event) {
    if (event.call_id !== this.callId) return;
    const key = event.from_key;
    const signal = event.signal;
    // An answer to the offer that went with the accept: the hub relays that offer only once
    // the accept is committed, so the call is ours and the held candidates can go now,
    // without waiting for the accept's reply.
    if (this.held && signal.kind === "answer") this.release();
    let peer = this.peers.get(key);
    if (!peer) {
      if (signal.kind !== "offer") return;
      peer = this.connect(key, { offer: false });
    }
    clearTimeout(peer.timer);
    peer.allowOffers = true;
    const { pc } = peer;
    try {
      if (signal.kind === "offer" || signal.kind === "answer") {
        const description = { type: signal.kind, sdp: signal.sdp };
        const collision =
          signal.kind === "offer" && (peer.makingOffer || pc.signalingState !== "stable");
        peer.ignoreOffer = !peer.polite && collision;
        if (peer.ignoreOffer) return;
        await pc.setRemoteDescription(description);
        if (signal.kind === "offer") {
          await pc.setLocalDescription();
          this.send("signal/answer", key, { sdp: pc.localDescription.sdp });
        }
      } else if (signal.kind === "candidate") {
        try {
          await pc.addIceCandidate(signal.candidate);
        } catch (err) {
          if (!peer.ignoreOffer) throw err;
        }
      } else if (signal.kind === "hangup") {
        this.drop(key);
      } else if (signal.kind === "media") {
        this.dispatchEvent(new CustomEvent("peer-media", { detail: { key, video: signal.video, why: signal.why ?? null } }));
      }
    } catch (err) {
      this.dispatchEvent(new CustomEvent("error", { detail: err }));
    }
  }

  // Tell every peer what this side's camera is doing ("peer-media" on their side).
  tellMedia(video, why = null) {
    for (const key of this.peers.keys()) this.send("signal/media", key, { video, why });
  }

  send(type, to, fields) {
    if (this.held) {
      if (type === "signal/offer" && this.heldOffer) this.#offerMade({ to, sdp: fields.sdp });
      else this.held.push([type, to, fields]);
      return;
    }
    this.hub.command(type, { call_id: this.callId, to, ...fields }).catch(() => {});
  }

  // The network changed or the hub came back: renegotiate ICE on every connection.
  restartIce() {
    if (this.hub.state !== "open") {
      // An offer sent now would be lost and leave the connection waiting for an answer.
      this.hub.addEventListener("open", () => this.restartIce(), { once: true });
      return;
    }
    for (const [key, peer] of this.peers) this.offer(key, peer, { iceRestart: true });
  }

  // Replace the outgoing video (switch camera, or null for camera off / audio only).
  async replaceVideo(track) {
    for (const { pc } of this.peers.values()) {
      const sender = pc.getSenders().find((s) => s.track?.kind === "video" || (!s.track && track));
      if (sender) await sender.replaceTrack(track);
    }
  }

  async stats() {
    const out = {};
    for (const [key, { pc }] of this.peers) out[key] = await pc.getStats();
    return out;
  }

  drop(key) {
    const peer = this.peers.get(key);
    if (!peer) return;
    clearTimeout(peer.timer);
    peer.pc.close();
    this.peers.delete(key);
    this.dispatchEvent(new CustomEvent("peer-left", { detail: { key } }));
  }

  close() {
    this.held = null;
    this.#offerMade(null);
    for (const key of [...this.peers.keys()]) this.drop(key);
    this.hub.removeEventListener("hub-signal", this.onSignal);
    window.removeEventListener("online", this.onOnline);
  }
}

// Measure how many frames a <video> element has decoded: used by the UI ("video is
// flowing") and by the end-to-end tests.
export function decodedFrames(video) {
  if (typeof video.getVideoPlaybackQuality === "function") {
    return video.getVideoPlaybackQuality().totalVideoFrames;
  }
  return video.webkitDecodedFrameCount ?? 0;
}
