// A care-home tablet in Firefox ESR (Debian's firefox-esr), driven over WebDriver BiDi by
// puppeteer-core (no geckodriver): signs in, asks for a call through the four steps, and
// reports each stage on stdout for tests/e2e/test_firefox.py, which answers in Chromium.
//
//   node tablet_call.mjs <hub url> <username> <password>
//
// Lines out: "CALL <id>" once the call rings, "VIDEO <frames>" once the nurse's video
// plays here, "SENT <bytes>" once the tablet's own video is flowing out, "ENDED <title>"
// when the nurse has ended the call. Any failure: "FAIL <why>" and exit code 1.

import { createRequire } from "node:module";

// puppeteer-core is installed with the web assets (clients/web, the working directory).
const require = createRequire(`${process.cwd()}/package.json`);
const puppeteer = require("puppeteer-core");

const [hubUrl, username, password] = process.argv.slice(2);
const FIREFOX = process.env.FIREFOX ?? "/usr/bin/firefox-esr";
const say = (line) => process.stdout.write(`${line}\n`);

const browser = await puppeteer.launch({
  browser: "firefox",
  executablePath: FIREFOX,
  headless: true,
  protocol: "webDriverBiDi",
  extraPrefsFirefox: {
    // Firefox's fake camera and microphone, with no permission prompt.
    "media.navigator.streams.fake": true,
    "media.navigator.permission.disabled": true,
    "media.autoplay.default": 0,
    "media.autoplay.block-webaudio": false,
    // Every peer is on this machine: offer loopback and plain host candidates.
    "media.peerconnection.ice.loopback": true,
    "media.peerconnection.ice.obfuscate_host_addresses": false,
  },
});

// Stopped by the test (it timed out): take Firefox down too, so no browser is left behind.
process.on("SIGTERM", async () => {
  await browser.close().catch(() => {});
  process.exit(1);
});

try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1024, height: 768 });
  await page.goto(`${hubUrl}/login`);
  const signedIn = await page.evaluate(
    async (u, p) => (await fetch("/api/auth/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username: u, password: p }) })).status,
    username,
    password,
  );
  if (signedIn !== 200) throw new Error(`sign-in answered ${signedIn}`);
  await page.goto(`${hubUrl}/tablet/call`);
  await page.waitForSelector("#who-title", { visible: true });
  await page.waitForFunction(() => window.telehubTablet?.hub.state === "open", { timeout: 20_000 });
  await page.click("#general-question");
  await page.waitForSelector("#why-title", { visible: true });
  await page.click("label[for='reason-fall_no_injury']");
  await page.click("label[for='intent-gp_urgent']");
  await page.click("#step-why [data-next]");
  await page.waitForSelector("#obs-title", { visible: true });
  await page.click("#skip-obs");
  await page.waitForSelector("#send-title", { visible: true });
  await page.type("#caller-name", "Sam Carer");
  await page.click("#start-call");
  await page.waitForSelector("#waiting-title", { visible: true });
  await page.waitForFunction(() => window.telehubTablet?.state.call?.id, { timeout: 20_000 });
  say(`CALL ${await page.evaluate(() => telehubTablet.state.call.id)}`);

  await page.waitForSelector("#in-call", { visible: true, timeout: 60_000 });
  // The nurse's video decoded here (Firefox's inbound-rtp stats; the page's media state
  // says "video" from the same count rising).
  await page.waitForSelector('#media-state[data-media="video"]', { timeout: 30_000 });
  await page.waitForFunction(
    async () => {
      let frames = 0;
      for (const { pc } of telehubTablet.state.mesh.peers.values()) {
        (await pc.getStats()).forEach((s) => {
          if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded ?? 0;
        });
      }
      window.framesIn = frames;
      return frames > 5;
    },
    { polling: 200, timeout: 30_000 },
  );
  say(`VIDEO ${await page.evaluate(() => window.framesIn)}`);
  // The tablet's own video going out (the console checks it arrives).
  await page.waitForFunction(
    async () => {
      let bytes = 0;
      for (const { pc } of telehubTablet.state.mesh.peers.values()) {
        (await pc.getStats()).forEach((s) => {
          if (s.type === "outbound-rtp" && s.kind === "video") bytes += s.bytesSent ?? 0;
        });
      }
      window.sentBytes = bytes;
      return bytes > 20_000;
    },
    { polling: 200, timeout: 30_000 },
  );
  say(`SENT ${await page.evaluate(() => window.sentBytes)}`);

  await page.waitForSelector("#ended-title", { visible: true, timeout: 60_000 });
  say(`ENDED ${await page.$eval("#ended-title", (n) => n.textContent)}`);
  await browser.close();
} catch (err) {
  const pages = await browser.pages();
  const state = await pages[pages.length - 1]
    ?.evaluate(() =>
      JSON.stringify({
        hub: window.telehubTablet?.hub.state,
        call: window.telehubTablet?.state.call?.state,
        media: document.querySelector("#media-state")?.dataset.media,
        peers: [...(window.telehubTablet?.state.mesh?.peers ?? [])].map(([k, p]) => [k, p.pc.connectionState, p.pc.iceConnectionState, p.pc.signalingState]),
      }),
    )
    .catch(() => "?");
  say(`FAIL ${err.message} ${state}`);
  await browser.close();
  process.exit(1);
}
