// How a call went on this device, for the hub's call/quality (docs/protocol.md §3): seconds
// connected with video and with audio alone, reconnects, and whether a failure ended it.
// The page reports it itself when it leaves the call, so nobody types it, and it never
// stands in for the clinical outcome. Mirrors clients/python/telehub_client/quality.py.

export class QualityTally {
  constructor(now = () => performance.now() / 1000) {
    this.now = now;
    this.since = null; // seconds, while media flows
    this.video = false;
    this.videoSeconds = 0;
    this.audioOnlySeconds = 0;
    this.reconnects = 0;
    this.resumed = 0;
    this.endedByFailure = false;
  }

  // Media flows from now on, with video or by audio alone.
  connected(video) {
    this.#settle();
    this.since = this.now();
    this.video = Boolean(video);
  }

  dropped() {
    this.#settle();
    this.since = null;
    this.reconnects += 1;
  }

  cameBack(video) {
    this.resumed += 1;
    this.connected(video);
  }

  failed() {
    this.#settle();
    this.since = null;
    this.endedByFailure = true;
  }

  #settle() {
    if (this.since === null) return;
    const now = this.now();
    if (this.video) this.videoSeconds += now - this.since;
    else this.audioOnlySeconds += now - this.since;
    this.since = now;
  }

  // The call/quality fields, in whole seconds.
  report() {
    this.#settle();
    return {
      video_seconds: Math.round(this.videoSeconds),
      audio_only_seconds: Math.round(this.audioOnlySeconds),
      reconnects: this.reconnects,
      resumed: Math.min(this.resumed, this.reconnects),
      ended_by_failure: this.endedByFailure,
    };
  }
}
