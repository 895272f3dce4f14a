// The tablet's enrolment. The device credential lives in this browser's localStorage and is
// only ever sent in the body of POST /api/devices/signin: never shown, logged or put in a URL.

import { withCsrf } from "/js/shared/csrf.js";
import { fetchTicket } from "/js/shared/signalling.js";

const KEY = "telehub.device";

export class SignInError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function stored() {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null; // storage blocked: behave as not enrolled
  }
}

export function hasDeviceCredential() {
  return Boolean(stored());
}

export function storeDeviceCredential(credential) {
  localStorage.setItem(KEY, credential);
}

export function forgetDeviceCredential() {
  try {
    localStorage.removeItem(KEY);
  } catch {
    /* nothing stored */
  }
}

async function postJson(url, body, signal = undefined) {
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: withCsrf({ "Content-Type": "application/json" }),
    body: JSON.stringify(body),
    signal,
  });
}

// Exchange the stored credential for a session cookie (the session expired, or the browser
// was restarted). A refusal means the device was revoked: forget the credential.
export async function deviceSignIn({ signal } = {}) {
  const credential = stored();
  if (!credential) throw new SignInError("unauthorised", "This tablet is not enrolled");
  const response = await postJson("/api/devices/signin", { credential }, signal);
  if (response.status === 401) {
    forgetDeviceCredential();
    throw new SignInError(
      "unauthorised",
      "This tablet is no longer enrolled. Ask the hub for a new enrolment code.",
    );
  }
  if (!response.ok) throw new SignInError("unavailable", `The hub answered ${response.status}`);
  return response.json();
}

export async function enrolDevice(code) {
  const response = await postJson("/api/devices/enrol", { enrolment_code: code });
  if (!response.ok) {
    let message = "The hub could not enrol this tablet. Try again.";
    try {
      message = (await response.json()).message ?? message;
    } catch {
      /* not JSON */
    }
    throw new SignInError(response.status === 401 ? "unauthorised" : "invalid", message);
  }
  const { credential } = await response.json();
  storeDeviceCredential(credential);
  await deviceSignIn();
}

// HubSocket's getAuth for the tablet: a single-use ticket bought with the session cookie; if
// the session has expired, sign back in with the device credential first.
export async function tabletAuth({ signal } = {}) {
  try {
    return { type: "auth", ticket: await fetchTicket({ signal }) };
  } catch (err) {
    if (err.code !== "unauthorised" || !hasDeviceCredential()) throw err;
    await deviceSignIn({ signal });
    return { type: "auth", ticket: await fetchTicket({ signal }) };
  }
}

// Where to go after signing in: a path on this hub only, never another site. The value is
// parsed as the browser will parse it when navigating (which drops tabs and newlines and
// reads "\\" as "/", so "/%09/evil.example" is "//evil.example"), and accepted only if it
// then names this origin. The hub applies the same rule (hub/http/next_page.py).
export function safeNext(search = window.location.search, origin = window.location.origin) {
  const next = new URLSearchParams(search).get("next");
  if (!next || !next.startsWith("/")) return "/tablet";
  let url;
  try {
    url = new URL(next, origin);
  } catch {
    return "/tablet";
  }
  if (url.origin !== origin) return "/tablet";
  return url.pathname + url.search + url.hash;
}
