// Small formatting helpers shared by the console modules.

export function labelsFrom(element) {
  return JSON.parse(element.dataset.labels || "{}");
}

export function londonTime(iso, withDate = false) {
  const options = { timeZone: "Europe/London", hour: "2-digit", minute: "2-digit" };
  if (withDate) Object.assign(options, { day: "numeric", month: "short", year: "numeric" });
  return new Intl.DateTimeFormat("en-GB", options).format(new Date(iso));
}

export const NEWS2_TAGS = { high: "red", medium: "orange", low_medium: "yellow", low: "green" };
