// One call from the tablet's side, with no DOM: asking for it once (a client call id, so a
// request resent after a dropped socket is the same call), the hub's call events that beat
// call/start's reply, picking a call back up after a reload, leaving and cancelling, and
// which thread messages belong with it. The page listens:
//
//   "resume"  detail: the call the hub says is still going (the page readies the camera,
//             then calls session.resume(call))
//   "call"    detail: the call, each time it changes while waiting or live
//   "open"    detail: auth_ok, after the session has read it (the socket came back)
//   "ended"   detail: {call, left}: call is null when cancelled before the hub had it

import { randomId } from "/js/shared/signalling.js";
import { rtcConfiguration } from "/js/shared/rtc.js";

export const WAITING = new Set(["requested", "queued", "ringing"]);
export const LIVE = new Set(["connected", "on_hold"]);

export function finished(call) {
  return !WAITING.has(call.state) && !LIVE.has(call.state);
}

export class CallSession extends EventTarget {
  constructor(hub) {
    super();
    this.hub = hub;
    this.clientCallId = null; // set once the call is asked for; "resumed" when picked up
    this.call = null; // the call as the hub last described it
    this.selfKey = null; // this tablet's participant key, from auth_ok
    this.configuration = rtcConfiguration(null); // ICE servers and policy, from auth_ok
    this.threadMark = null; // messages after this thread sequence belong with the call
    this.early = new Map(); // call events that beat call/start's reply, by call id
    this.leaving = false; // call/leave sent: the hub's event may come before its reply
    this.ended = false;
    hub.addEventListener("open", (e) => this.#opened(e.detail));
    hub.addEventListener("hub-call", (e) => this.#heard(e.detail.call));
  }

  // True once a call has been asked for or picked up (then asking again does nothing).
  get begun() {
    return Boolean(this.call || this.clientCallId);
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // Claim the one call this page may make; false if it has one already.
  begin() {
    if (this.begun) return false;
    this.clientCallId = randomId("tab");
    this.threadMark = this.hub.lastSeq;
    return true;
  }

  // Ask the hub for the call begun with begin(); resent until the hub answers. A refusal
  // (bad input, a wrong PIN) is thrown, and the page may begin again.
  async request(fields) {
    try {
      const call = await this.hub.reliably("call/start", { client_call_id: this.clientCallId, ...fields });
      if (this.early.has(call.id)) this.call = this.early.get(call.id); // its queue place came first
      this.early.clear();
      if (this.ended) {
        await this.hub.command("call/cancel", { call_id: call.id }).catch(() => {});
        return;
      }
      this.update(call);
    } catch (err) {
      this.clientCallId = null;
      throw err;
    }
  }

  // Pick up the call "resume" announced, once the page is ready for it.
  async resume(call) {
    this.call = call;
    this.update(await this.hub.command("call/get", { call_id: call.id }).catch(() => call));
  }

  update(call) {
    if (this.ended) return;
    const previous = this.call;
    this.call = { ...call, queue_position: call.queue_position ?? previous?.queue_position ?? null };
    const me = call.participants.find((p) => p.key === this.selfKey);
    if (finished(call) || (this.selfKey && !me && !WAITING.has(call.state))) {
      this.#finish(call);
      return;
    }
    this.#emit("call", this.call);
  }

  async leave() {
    if (!this.call) return;
    this.leaving = true;
    try {
      await this.hub.command("call/leave", { call_id: this.call.id });
    } catch {
      /* the hub will drop us from the call when our socket goes */
    }
    this.#finish(this.call);
  }

  // Cancel while waiting; a refusal from the hub is thrown.
  async cancel() {
    if (!this.call) {
      this.clientCallId = null;
      this.#finish(null);
      return;
    }
    this.#finish(await this.hub.command("call/cancel", { call_id: this.call.id }));
  }

  // Send a message about this call; resent until the hub answers.
  sendMessage(body) {
    return this.hub.reliably("message/send", {
      client_message_id: randomId("msg"),
      body,
      call_id: this.call.id,
    });
  }

  // Does this thread message belong with the call? Its own, and any sent since it began.
  belongs(message) {
    if (!this.call) return false;
    return message.call_id === this.call.id || (this.threadMark !== null && message.site_seq > this.threadMark);
  }

  #finish(call) {
    if (this.ended) return;
    this.ended = true;
    this.#emit("ended", { call, left: this.leaving });
  }

  #opened(authOk) {
    this.selfKey = authOk.who.participant_key;
    this.configuration = rtcConfiguration(authOk);
    const mine = (authOk.calls ?? []).find((c) => (this.call ? c.id === this.call.id : true) && !finished(c));
    if (mine) {
      if (!this.begun) {
        this.clientCallId = "resumed";
        this.threadMark = this.hub.lastSeq;
        this.#emit("resume", mine);
      } else if (this.call) this.update(mine);
      // else: call/start is in flight and will be resent with the same client_call_id
    }
    this.#emit("open", authOk);
  }

  #heard(call) {
    if (this.call && call.id === this.call.id) this.update(call);
    else if (!this.call && this.clientCallId) this.early.set(call.id, call);
  }
}
