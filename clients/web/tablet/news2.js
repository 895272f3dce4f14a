// NEWS2 for display while observations are typed. A line-for-line mirror of
// hub/clinical/news2.py: the hub scores the call again and its score is the one that counts.
// The e2e suite compares this module with the Python scorer.

export const PARAMETER_LABELS = {
  respiration_rate: "respiration rate",
  spo2: "SpO2",
  on_oxygen: "air or oxygen",
  systolic_bp: "systolic BP",
  pulse: "pulse",
  consciousness: "consciousness",
  temperature: "temperature",
};

export const SCALE2_AIR_ASSUMED = "SpO2 scored on air (scale 2): air or oxygen not recorded";

export const BAND_LABELS = {
  low: "low",
  low_medium: "low-medium",
  medium: "medium",
  high: "high",
};

// Round to one decimal place, half up, on the value as typed (35.05 -> 35.1), in tenths.
// Works on the decimal digits, as Python's Decimal does, never on a binary float.
export function temperatureTenths(celsius) {
  const text = String(celsius).trim();
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) return Math.round(Number(text) * 10);
  const digits = (match[2] ?? "").padEnd(2, "0");
  const tenths = Number(match[1]) * 10 + Number(digits[0]);
  return Number(digits[1]) >= 5 ? tenths + 1 : tenths;
}

function respirationRate(rate) {
  if (rate <= 8) return 3;
  if (rate <= 11) return 1;
  if (rate <= 20) return 0;
  if (rate <= 24) return 2;
  return 3;
}

function spo2Score(spo2, scale, onOxygen) {
  if (scale === 1) {
    if (spo2 <= 91) return 3;
    if (spo2 <= 93) return 2;
    if (spo2 <= 95) return 1;
    return 0;
  }
  if (spo2 <= 83) return 3;
  if (spo2 <= 85) return 2;
  if (spo2 <= 87) return 1;
  if (spo2 <= 92 || !onOxygen) return 0; // 88-92, or >= 93 on air (or air/oxygen unknown)
  if (spo2 <= 94) return 1;
  if (spo2 <= 96) return 2;
  return 3;
}

function systolicBp(mmhg) {
  if (mmhg <= 90) return 3;
  if (mmhg <= 100) return 2;
  if (mmhg <= 110) return 1;
  if (mmhg <= 219) return 0;
  return 3;
}

function pulse(rate) {
  if (rate <= 40) return 3;
  if (rate <= 50) return 1;
  if (rate <= 90) return 0;
  if (rate <= 110) return 1;
  if (rate <= 130) return 2;
  return 3;
}

function temperature(celsius) {
  const t = temperatureTenths(celsius);
  if (t <= 350) return 3;
  if (t <= 360) return 1;
  if (t <= 380) return 0;
  if (t <= 390) return 1;
  return 2;
}

function consciousness(level) {
  return level === "A" ? 0 : 3;
}

export function bandFor(total, anySingle3) {
  if (total >= 7) return "high";
  if (total >= 5) return "medium";
  if (anySingle3) return "low_medium";
  return "low";
}

const given = (v) => v !== null && v !== undefined;

// obs: the Observations wire shape; a missing reading is null or absent, never 0.
export function scoreNews2(obs) {
  const scores = {};
  let notes = [];
  const scale = obs.spo2_scale ?? 1;
  if (given(obs.respiration_rate)) scores.respiration_rate = respirationRate(obs.respiration_rate);
  if (given(obs.spo2)) {
    scores.spo2 = spo2Score(obs.spo2, scale, obs.on_oxygen);
    if (scale === 2 && obs.spo2 >= 93 && !given(obs.on_oxygen)) notes = [SCALE2_AIR_ASSUMED];
  }
  if (given(obs.on_oxygen)) scores.on_oxygen = obs.on_oxygen ? 2 : 0;
  if (given(obs.systolic_bp)) scores.systolic_bp = systolicBp(obs.systolic_bp);
  if (given(obs.pulse)) scores.pulse = pulse(obs.pulse);
  if (given(obs.consciousness)) scores.consciousness = consciousness(obs.consciousness);
  if (given(obs.temperature)) scores.temperature = temperature(obs.temperature);

  const missing = Object.keys(PARAMETER_LABELS).filter((name) => !(name in scores));
  const values = Object.values(scores);
  const total = values.reduce((a, b) => a + b, 0);
  const anySingle3 = values.includes(3);
  return {
    total,
    parameter_scores: scores,
    missing,
    complete: missing.length === 0,
    band: bandFor(total, anySingle3),
    any_single_3: anySingle3,
    notes,
  };
}

// "NEWS2 6 (medium)" or "NEWS2 4 partial: 5 of 7 taken (low)", as format_news2.
export function formatNews2(result) {
  const taken = Object.keys(result.parameter_scores).length;
  if (taken === 0) return "NEWS2 not taken";
  const band = BAND_LABELS[result.band];
  const all = Object.keys(PARAMETER_LABELS).length;
  if (result.complete) return `NEWS2 ${result.total} (${band})`;
  return `NEWS2 ${result.total} partial: ${taken} of ${all} taken (${band})`;
}

// What the band asks of the home, in words (RCP clinical response, as shown to care staff).
export const BAND_ADVICE = {
  low: "Low risk. Keep watching and repeat the observations as planned.",
  low_medium: "A score of 3 in one reading: the nurse will want to review urgently.",
  medium: "Medium risk: urgent response threshold.",
  high: "High risk: emergency response. If life is at risk, call 999.",
};
