// One websocket to the hub: ids, replies, events, automatic reconnection and message resume.
//
// Usage:
//   const hub = new HubSocket({ url: "/ws" });
//   hub.addEventListener("open", (e) => { /* e.detail is auth_ok; (re)subscribe here */ });
//   hub.addEventListener("hub-event", (e) => { /* e.detail is an event body: {kind, ...} */ });
//   hub.addEventListener("message", (e) => { /* a thread message, each shown exactly once */ });
//   hub.addEventListener("state", (e) => { /* "connecting" | "open" | "reconnecting" |
//     "unreachable" (never connected, nothing answered; trying again) | "signed-out" |
//     "ended" */ });
//   hub.start(); // connect, and keep trying until the hub answers
//   const result = await hub.command("call/start", {...});
//   const sent = await hub.reliably("message/send", {...}); // resent after a reconnect
//
// Authentication: each (re)connection asks the hub for a fresh single-use ticket with the
// page's session cookie (POST /api/auth/ticket), so no secret is kept in the page.

import { withCsrf } from "./csrf.js";

// Seconds to wait before each reconnection attempt: at once (a hub that is restarting says
// 1012 and another process, or this one restarted, is ready for us), then backing off.
export const RECONNECT_SCHEDULE = [0, 0.3, 1.2, 2.7, 4.8, 7];
export const RECONNECT_JITTER = 0.25; // each wait but the first, ±25%: no thundering herd

// While nothing answers (the hub restarting: no socket opens, the ticket fetch fails or a
// proxy answers 502/503/504), an attempt costs the hub nothing, so for the first 30 s the
// page tries every half second (jittered) instead of backing off, and is back within about
// half a second of the hub being ready. A hub that answers and refuses gets the schedule.
export const UNREACHABLE_WAIT = 0.5;
export const UNREACHABLE_FAST_SECONDS = 30;

// An attempt that has not been answered `auth_ok` (or refused) within this many seconds is
// given up and tried again on the schedule: a ticket request or a socket left hanging by a
// network that swallows packets, or a hub that never answers the auth frame, must not leave
// a page at "Connecting to the hub" for good. It counts as nothing having answered.
export const ATTEMPT_DEADLINE_SECONDS = 15;

// unreachableFor: seconds since the first attempt that nothing answered; null when the hub
// answered the last attempt.
export function reconnectDelayMs(attempt, random = Math.random, unreachableFor = null) {
  let base = RECONNECT_SCHEDULE[Math.min(attempt, RECONNECT_SCHEDULE.length - 1)];
  if (attempt === 0) return 0;
  if (unreachableFor !== null && unreachableFor < UNREACHABLE_FAST_SECONDS) {
    base = Math.min(base, UNREACHABLE_WAIT);
  }
  return Math.round(base * (1 - RECONNECT_JITTER + 2 * RECONNECT_JITTER * random()) * 1000);
}

export class CommandError extends Error {
  constructor(code, message, field) {
    super(message);
    this.code = code;
    this.field = field ?? null;
  }
}

// Close codes with which the hub ends access for good (schemas.wire.CloseCode): the tablet
// was removed, the account disabled (4403) or too many sockets are open (4429). The socket
// then stays closed, in state "ended", and hub.endedReason is the hub's sentence to show.
// 4401 (signed out, session expired) reconnects: a new ticket needs a live session.
export const FINAL_CLOSE_CODES = new Set([4403, 4429]);

// Refusals that say "not now" rather than "no": the same command may succeed shortly.
export const PASSING_REFUSALS = new Set(["unavailable", "rate_limited", "draining", "internal"]);

export class Disconnected extends Error {
  constructor() {
    super("The connection to the hub dropped before it answered");
    this.code = "disconnected";
  }
}

// A client id for an idempotent command: "tab-3f9c…" (24 random hex digits).
export function randomId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

// Nothing answered: no hub listening (fetch's TypeError), or a proxy with no hub behind it.
class Unreachable extends Error {
  constructor(message) {
    super(message);
    this.code = "unreachable";
  }
}

// A ticket bought with the page's session cookie; `signal` gives the request up.
export async function fetchTicket({ signal } = {}) {
  let response;
  try {
    response = await fetch("/api/auth/ticket", {
      method: "POST",
      credentials: "same-origin",
      headers: withCsrf(),
      signal,
    });
  } catch (err) {
    throw new Unreachable(String(err));
  }
  if (response.status === 401) throw new CommandError("unauthorised", "Please sign in again");
  if ([502, 503, 504].includes(response.status)) throw new Unreachable(`${response.status}`);
  if (!response.ok) throw new CommandError("unavailable", `The hub answered ${response.status}`);
  return (await response.json()).ticket;
}

export class HubSocket extends EventTarget {
  constructor({ url = "/ws", getAuth = null, resumeMessages = true } = {}) {
    super();
    const base = new URL(url, window.location.href);
    base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
    this.url = base.toString();
    // getAuth({ signal }): the auth frame; `signal` aborts when the attempt is given up.
    this.getAuth = getAuth ?? (async (options) => ({ type: "auth", ticket: await fetchTicket(options) }));
    this.resumeMessages = resumeMessages;
    this.nextId = 1;
    this.pending = new Map();
    this.ws = null;
    this.authOk = null;
    this.state = "idle";
    this.closedByUs = false;
    this.endedReason = null; // the hub's reason, once it has ended this page's access
    this.endedCode = null;
    this.attempt = 0; // reconnection attempts since the socket was last open
    this.unreachableSince = null; // Date.now() of the first attempt nothing answered
    this.messages = new Map(); // thread sequence -> message, each shown once
    this.lastSeq = 0;
  }

  get seqField() {
    // A device enrolled to one person at home reads that person's own thread.
    if (this.authOk && this.authOk.who.person_id != null) return "person_seq";
    return this.authOk && ["care_home_staff", "prison_staff"].includes(this.authOk.who.role) ? "site_seq" : "hub_seq";
  }

  setState(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: state }));
  }

  async connect() {
    if (this.endedReason) throw new CommandError("ended", this.endedReason);
    this.closedByUs = false;
    if (this.state !== "unreachable") this.setState(this.authOk ? "reconnecting" : "connecting");
    const [ws, first] = await this.answered(AbortSignal.timeout(ATTEMPT_DEADLINE_SECONDS * 1000));
    if (first.type !== "auth_ok") {
      ws.close();
      throw new CommandError(first.error?.code ?? "unauthorised", first.error?.message ?? "Refused");
    }
    this.authOk = first;
    this.attempt = 0;
    this.unreachableSince = null;
    ws.onmessage = (m) => this.onFrame(JSON.parse(m.data));
    ws.onclose = (e) => this.onClose(ws, e.code, e.reason);
    ws.onerror = () => {};
    this.setState("open");
    this.dispatchEvent(new CustomEvent("open", { detail: first }));
    if (this.resumeMessages) this.followThread(ws);
    return first;
  }

  // One attempt: the auth frame, a socket, and the hub's first answer to it, or the reason
  // there is none (the attempt given up through `signal` closes the socket it opened).
  async answered(signal) {
    let auth;
    try {
      auth = await this.getAuth({ signal });
    } catch (err) {
      // fetch's TypeError: nothing answered the page's own ticket request (any getAuth).
      if (err instanceof TypeError || signal.aborted) throw new Unreachable(String(err));
      throw err;
    }
    if (signal.aborted) throw new Unreachable(`no answer within ${ATTEMPT_DEADLINE_SECONDS} s`);
    const ws = new WebSocket(this.url);
    this.ws = ws;
    let opened = false;
    let giveUp = null;
    const first = await new Promise((resolve, reject) => {
      ws.onopen = () => {
        opened = true;
        ws.send(JSON.stringify(auth));
      };
      const lost = () => reject(opened ? new Disconnected() : new Unreachable("no socket"));
      ws.onerror = lost;
      ws.onclose = lost;
      ws.onmessage = (m) => resolve(JSON.parse(m.data));
      giveUp = () => {
        reject(new Unreachable(`no answer within ${ATTEMPT_DEADLINE_SECONDS} s`));
        ws.close();
      };
      signal.addEventListener("abort", giveUp);
    }).finally(() => signal.removeEventListener("abort", giveUp));
    return [ws, first];
  }

  // Follow the thread from the last message seen. A refusal that passes (the hub's database
  // away for a moment, a burst of commands, a process draining) is asked again, so a page
  // never sits in a call deaf to the nurse; a dropped socket follows again when it reopens.
  async followThread(ws) {
    for (let attempt = 1; ws === this.ws; attempt += 1) {
      try {
        await this.command("message/sync", { after_seq: this.lastSeq });
        return;
      } catch (err) {
        if (err instanceof Disconnected) return;
        if (!PASSING_REFUSALS.has(err.code)) {
          console.warn(`The hub refused this page its messages (${err.code})`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(attempt)));
      }
    }
  }

  onFrame(frame) {
    if ((frame.type === "result" || frame.type === "error") && this.pending.has(frame.id)) {
      const { resolve, reject } = this.pending.get(frame.id);
      this.pending.delete(frame.id);
      if (frame.type === "result") resolve(frame.result);
      else reject(new CommandError(frame.error.code, frame.error.message, frame.error.field));
      return;
    }
    if (frame.type !== "event") return;
    const event = frame.event;
    if (event.kind === "message") {
      const seq = event.message[this.seqField];
      if (this.messages.has(seq)) return; // delivered twice after a reconnect: show once
      this.messages.set(seq, event.message);
      while (this.messages.has(this.lastSeq + 1)) this.lastSeq += 1;
      this.dispatchEvent(new CustomEvent("message", { detail: event.message }));
      return;
    }
    this.dispatchEvent(new CustomEvent("hub-event", { detail: event }));
    this.dispatchEvent(new CustomEvent(`hub-${event.kind}`, { detail: event }));
  }

  onClose(ws, code, reason = "") {
    if (ws !== this.ws) return;
    this.closeCode = code;
    this.ws = null;
    for (const { reject } of this.pending.values()) reject(new Disconnected());
    this.pending.clear();
    if (this.closedByUs) {
      this.setState("closed");
      return;
    }
    if (FINAL_CLOSE_CODES.has(code)) {
      this.endedCode = code;
      this.endedReason = reason || "The hub has ended this connection";
      this.setState("ended");
      return;
    }
    this.setState("reconnecting");
    this.scheduleReconnect();
  }

  // Connect, and keep trying on the schedule until the hub answers, signs this page out or
  // ends its access: a page's first connection (a dropped one reconnects by itself).
  start() {
    const started = Date.now();
    this.connect().catch((err) => {
      if (err.code === "ended") return;
      if (err.code === "unauthorised") {
        this.setState("signed-out");
        return;
      }
      if (err.code !== "unreachable") this.unreachableSince = null;
      else {
        if (this.unreachableSince === null) this.unreachableSince = started;
        // Never connected: say so until an attempt is answered (no flicker between tries).
        // Once connected, "reconnecting" stays: a hub restarting is not the Wi-Fi's fault.
        if (!this.authOk) this.setState("unreachable");
      }
      this.scheduleReconnect();
    });
  }

  scheduleReconnect() {
    const since = this.unreachableSince;
    const unreachableFor = since === null ? null : (Date.now() - since) / 1000;
    const wait = reconnectDelayMs(this.attempt++, Math.random, unreachableFor);
    setTimeout(() => {
      if (!this.closedByUs) this.start();
    }, wait);
  }

  command(type, fields = {}) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Disconnected());
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ type, id, ...fields }));
    });
  }

  // A command that survives a dropped socket: wait for the hub to come back and send it
  // again. Only for idempotent commands (call/start carries client_call_id, message/send
  // client_message_id), so a command the hub did get before the drop is not done twice.
  async reliably(type, fields = {}) {
    for (;;) {
      try {
        return await this.command(type, fields);
      } catch (err) {
        if (!(err instanceof Disconnected)) throw err;
        await new Promise((resolve) => this.addEventListener("open", resolve, { once: true }));
      }
    }
  }

  // For tests and for "reconnect now" buttons: drop the socket as a lost network would, at
  // once. The page does not wait for the hub to answer the close (a busy hub answers it only
  // once the command in hand is done): the socket is gone now and reconnection starts.
  drop() {
    const ws = this.ws;
    if (!ws) return;
    ws.onmessage = null; // nothing more is read from it
    ws.close();
    this.onClose(ws, 1006);
  }

  close() {
    this.closedByUs = true;
    if (this.ws) this.ws.close();
  }
}
