// The one wait formatter, for the tablet and the console.
//
//   formatWait(125)                  -> "2 min 5 s"   (words: the tablet, alerts)
//   formatWait(45)                   -> "45 s"
//   formatWait(125, { clock: true }) -> "2:05"        (the console's queue column)
//   formatWait(3900, { clock: true })-> "1 h 05 min"
export function formatWait(seconds, { clock = false } = {}) {
  const s = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(s / 60);
  const rest = s % 60;
  if (!clock) return minutes ? `${minutes} min ${rest} s` : `${rest} s`;
  if (minutes < 60) return `${minutes}:${String(rest).padStart(2, "0")}`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}
