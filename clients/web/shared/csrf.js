// The session's CSRF token for a state-changing fetch (the hub refuses a signed-in POST,
// PUT or DELETE without it). Read at each request from the telehub_csrf cookie, which the
// hub sets beside the session cookie, so it is current after a tablet signs itself back
// in; the page's <meta name="csrf-token"> is the fallback.
export const CSRF_HEADER = "X-CSRF-Token";

export function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === "telehub_csrf") return decodeURIComponent(value.join("="));
  }
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

// Headers for a state-changing fetch: the ones given, and the token.
export function withCsrf(headers = {}) {
  const token = csrfToken();
  return token ? { ...headers, [CSRF_HEADER]: token } : { ...headers };
}
