// What the other side's media is doing, judged on this side from what arrives, so both the
// tablet and the console can say it apart from the call's state ("connected" to the hub is
// not "video connected"):
//
//   connecting  nothing has arrived yet, and it is early (under MEDIA_START_MS)
//   video       their picture is moving
//   audio_only  their voice arrives and no picture ever has
//   frozen      their picture has stopped moving while their voice still arrives
//   no_media    nothing arrives, past MEDIA_START_MS: offer the way out
//   failed      the connection could not get through the network (ICE failed)

export const MEDIA_START_MS = 10_000;
const WINDOW = 3; // samples, one a second

// One reading of what arrives from a peer (performance.now() for ``at``).
export async function inboundSample(pc) {
  const sample = { at: performance.now(), framesDecoded: 0, audioPackets: 0, ice: pc.iceConnectionState };
  (await pc.getStats()).forEach((s) => {
    if (s.type !== "inbound-rtp") return;
    if (s.kind === "video") sample.framesDecoded += s.framesDecoded ?? 0;
    else if (s.kind === "audio") sample.audioPackets += s.packetsReceived ?? 0;
  });
  return sample;
}

// ``since``: when this side started waiting for media (performance.now()).
export function judgeMedia(samples, { since }) {
  const last = samples[samples.length - 1];
  if (!last) return "connecting";
  if (last.ice === "failed") return "failed";
  const recent = samples.slice(-WINDOW);
  const first = recent[0];
  const moving = last.framesDecoded > first.framesDecoded;
  const hearing = last.audioPackets > first.audioPackets;
  if (moving) return "video";
  if (recent.length > 1 && hearing) {
    if (recent.length < WINDOW) return last.framesDecoded > 0 ? "video" : "audio_only";
    return last.framesDecoded > 0 ? "frozen" : "audio_only";
  }
  // Nothing arrives (yet, or any more).
  return last.at - since < MEDIA_START_MS ? "connecting" : "no_media";
}

// Samples kept per peer, judged each time one is added.
export class MediaWatch {
  constructor() {
    this.samples = new Map(); // key -> samples
    this.since = new Map(); // key -> when we started waiting for their media
  }

  start(key) {
    if (!this.since.has(key)) this.since.set(key, performance.now());
  }

  async sample(key, pc) {
    this.start(key);
    const list = this.samples.get(key) ?? [];
    list.push(await inboundSample(pc));
    this.samples.set(key, list.slice(-10));
    return judgeMedia(this.samples.get(key), { since: this.since.get(key) });
  }

  forget(key) {
    this.samples.delete(key);
    this.since.delete(key);
  }
}
