// The tablet's own camera and microphone: start (falling back to audio only), mute,
// camera off and on, front/rear switch; and the link judgements behind the audio-only
// fallback.

const VIDEO = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };

export class LocalMedia extends EventTarget {
  constructor() {
    super();
    this.stream = new MediaStream();
    this.audioOnly = false;
    this.why = null; // why there is no video, in words
    this.muted = false;
    this.cameraOff = false;
    this.facing = "user";
    this.deviceId = null;
    this.videoSince = null; // when the current camera track started sending (performance.now)
  }

  get videoTrack() {
    return this.stream.getVideoTracks()[0] ?? null;
  }

  get audioTrack() {
    return this.stream.getAudioTracks()[0] ?? null;
  }

  // Camera and microphone; if the camera fails, the microphone alone (audio-only call).
  async start() {
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { ...VIDEO, facingMode: "user" } });
    } catch (err) {
      this.audioOnly = true;
      this.why = err.name === "NotAllowedError" ? "the camera is not allowed" : "the camera is not working";
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (audioErr) {
        this.why = "the camera and microphone are not working";
        this.stream = new MediaStream();
      }
    }
    const track = this.videoTrack;
    if (track) this.deviceId = track.getSettings().deviceId ?? null;
    return this.stream;
  }

  setMuted(muted) {
    this.muted = muted;
    for (const track of this.stream.getAudioTracks()) track.enabled = !muted;
  }

  async cameraTrack(constraints) {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { ...VIDEO, ...constraints } });
    return stream.getVideoTracks()[0];
  }

  async swapVideo(mesh, track) {
    const old = this.videoTrack;
    if (old) {
      this.stream.removeTrack(old);
      old.stop();
    }
    if (track) this.stream.addTrack(track);
    this.videoSince = track ? performance.now() : null;
    if (mesh) await mesh.replaceVideo(track);
    this.dispatchEvent(new CustomEvent("video-changed", { detail: track }));
  }

  // Off releases the camera (its light goes out); on asks for it again.
  async setCameraOff(off, mesh) {
    if (off === this.cameraOff) return;
    if (off) {
      this.cameraOff = true;
      await this.swapVideo(mesh, null);
      return;
    }
    const constraints = this.deviceId ? { deviceId: { exact: this.deviceId } } : { facingMode: this.facing };
    const track = await this.cameraTrack(constraints);
    this.cameraOff = false;
    this.audioOnly = false;
    await this.swapVideo(mesh, track);
  }

  // Front to rear and back (to show a wound). Cycles through the cameras the tablet has;
  // resolves to false when there is only one.
  async switchCamera(mesh) {
    const cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput");
    let track;
    if (cameras.length > 1) {
      const at = cameras.findIndex((d) => d.deviceId === this.deviceId);
      const next = cameras[(at + 1) % cameras.length];
      track = await this.cameraTrack({ deviceId: { exact: next.deviceId } });
    } else {
      const facing = this.facing === "user" ? "environment" : "user";
      try {
        track = await this.cameraTrack({ facingMode: { exact: facing } });
      } catch {
        return false;
      }
      this.facing = facing;
    }
    this.deviceId = track.getSettings().deviceId ?? null;
    const settingsFacing = track.getSettings().facingMode;
    if (settingsFacing) this.facing = settingsFacing;
    this.cameraOff = false;
    await this.swapVideo(mesh, track);
    return true;
  }

  stop() {
    for (const track of this.stream.getTracks()) track.stop();
  }
}

// One reading of a call's link, from RTCPeerConnection stats.
export async function linkSample(pc) {
  const sample = {
    at: performance.now(),
    outgoingBitrate: null,
    limitation: null,
    videoFramesDecoded: 0,
    audioPacketsReceived: 0,
    roundTrip: null,
    fractionLost: null,
  };
  const report = await pc.getStats();
  report.forEach((s) => {
    if (s.type === "candidate-pair" && s.nominated && s.state === "succeeded") {
      if (s.availableOutgoingBitrate !== undefined) sample.outgoingBitrate = s.availableOutgoingBitrate;
      if (s.currentRoundTripTime !== undefined) sample.roundTrip = s.currentRoundTripTime;
    } else if (s.type === "outbound-rtp" && s.kind === "video") {
      sample.limitation = s.qualityLimitationReason ?? null;
    } else if (s.type === "remote-inbound-rtp" && s.kind === "video") {
      if (s.fractionLost !== undefined) sample.fractionLost = s.fractionLost;
    } else if (s.type === "inbound-rtp" && s.kind === "video") {
      sample.videoFramesDecoded += s.framesDecoded ?? 0;
    } else if (s.type === "inbound-rtp" && s.kind === "audio") {
      sample.audioPacketsReceived += s.packetsReceived ?? 0;
    }
  });
  return sample;
}

export const POOR_UPLINK_BPS = 150_000;
const POOR_WINDOW = 5; // samples, 2 s apart: ten seconds of evidence
const LOSSY_FRACTION = 0.1; // of our video packets, as the other side reports
const SLOW_ROUND_TRIP_S = 1;
// After video (re)starts, the bandwidth estimate climbs from what audio alone needed, and
// Chromium calls its encoder "bandwidth"-limited all the while (6-8 s on a perfect loopback
// link): samples from that ramp say nothing about the link.
export const VIDEO_RAMP_MS = 12_000;

// Is our uplink too poor for video? Only on sustained evidence, never during the ramp-up:
// every one of the last POOR_WINDOW samples since the ramp says the available outgoing
// bitrate is below what video needs, or that the link loses our packets or is very slow.
// The encoder's "limited by bandwidth" alone is not evidence. ``videoSince`` is when the
// camera track started.
export function uplinkTooPoor(samples, videoSince = -Infinity) {
  const settled = samples.filter((s) => s.at === undefined || s.at >= videoSince + VIDEO_RAMP_MS);
  if (settled.length < POOR_WINDOW) return false;
  return settled.slice(-POOR_WINDOW).every(
    (s) =>
      (s.outgoingBitrate !== null && s.outgoingBitrate !== undefined && s.outgoingBitrate < POOR_UPLINK_BPS) ||
      (s.fractionLost ?? 0) > LOSSY_FRACTION ||
      (s.roundTrip ?? 0) > SLOW_ROUND_TRIP_S,
  );
}
