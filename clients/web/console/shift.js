// The hub administrator's shift view refreshes itself without reloading the page (so the
// reader keeps their place), every 15 seconds.

const REFRESH_MS = 15000;

async function refresh() {
  try {
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("shift-view");
    if (fresh) document.getElementById("shift-view").replaceWith(fresh);
  } catch {
    // offline for a moment: try again next time
  }
}

setInterval(refresh, REFRESH_MS);
