// The dashboard end to end: the real monitor binary on its simulator, the real page in
// headless Chromium (Debian's /usr/bin/chromium driven by playwright-core).
//
// Run through `cargo xtask e2e`, which builds the monitor and passes its path in
// DEXMON_MONITOR_BIN. Screenshots go to DEXMON_E2E_ARTIFACTS (printed at the end).

import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const BIN = process.env.DEXMON_MONITOR_BIN;
const ARTIFACTS = resolve(process.env.DEXMON_E2E_ARTIFACTS || "../../target/e2e");
const CHROMIUM = process.env.DEXMON_CHROMIUM || "/usr/bin/chromium";
if (!BIN) throw new Error("DEXMON_MONITOR_BIN is not set; run `cargo xtask e2e`");
mkdirSync(ARTIFACTS, { recursive: true });

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (srv.address());
      srv.close(() => ok(port));
    });
    srv.on("error", fail);
  });
}

/** @param {number} port */
function startMonitor(port) {
  const child = spawn(BIN, ["--listen", `127.0.0.1:${port}`, "--sim-rate", "4000", "--health-interval-secs", "1"], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, DEXMON_LOG: "warn" },
  });
  child.stderr.on("data", (d) => process.stderr.write(`[monitor] ${d}`));
  return child;
}

/** @param {number} port */
async function waitHealthy(port) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      if (r.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the monitor did not become healthy within 60 s");
}

let step = 0;
/** @param {string} name @param {() => Promise<void>} fn */
async function check(name, fn) {
  step += 1;
  const started = Date.now();
  await fn();
  console.log(`ok ${step} - ${name} (${Date.now() - started} ms)`);
}

const port = await freePort();
let monitor = startMonitor(port);
await waitHealthy(port);

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
const consoleErrors = [];
// While the test has killed the monitor on purpose, Chromium itself logs each refused reconnect
// attempt as a console error. Those are the browser reporting the outage we caused, not script
// errors, so only they are ignored, and only during that window.
let outage = false;
const refused = /^WebSocket connection to .* failed: .*ERR_CONNECTION_REFUSED/;
page.on("pageerror", (e) => consoleErrors.push(String(e)));
page.on("console", (m) => {
  if (m.type() !== "error") return;
  if (outage && refused.test(m.text())) return;
  consoleErrors.push(m.text());
});
const shots = [];
/** @param {string} name */
async function shot(name) {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  shots.push(path);
}

try {
  // Notifications: granted, and counted as the page creates them (headless Chromium shows none).
  await page.context().grantPermissions(["notifications"], { origin: `http://127.0.0.1:${port}` });
  await page.addInitScript(() => {
    const Real = window.Notification;
    /** @type {string[]} */
    const shown = [];
    Object.defineProperty(window, "notificationsShown", { value: shown });
    window.Notification = class extends Real {
      /** @param {string} title @param {NotificationOptions} [options] */
      constructor(title, options) {
        super(title, options);
        shown.push(options?.body || title);
      }
    };
  });
  await page.goto(`http://127.0.0.1:${port}/`);

  await check("the page has a title and a favicon", async () => {
    const title = await page.title();
    if (!title.includes("dexmon")) throw new Error(`title ${title}`);
    const icon = await fetch(`http://127.0.0.1:${port}/favicon.ico`);
    if (!icon.ok) throw new Error(`favicon ${icon.status}`);
  });

  await check("the status turns green", async () => {
    await page.waitForSelector('#status[data-state="connected"]', { timeout: 15_000 });
  });

  await check("price cards show numbers that change", async () => {
    await page.waitForFunction(() => document.querySelectorAll("#cards .card .price").length >= 10, null, { timeout: 15_000 });
    const before = await page.$eval("#cards", (el) => el.textContent);
    const updates = await page.evaluate(() => window.dexmon.priceUpdates);
    await page.waitForFunction((n) => window.dexmon.priceUpdates > n + 50, updates, { timeout: 15_000 });
    await page.waitForFunction((text) => document.querySelector("#cards")?.textContent !== text, before, { timeout: 15_000 });
    const prices = await page.$$eval("#cards .price", (els) => els.map((e) => Number(e.textContent)));
    if (!prices.every((p) => Number.isFinite(p) && p > 0)) throw new Error(`bad prices ${prices}`);
  });

  await check("the SOL/USDC card has the exchange's row with bid and ask", async () => {
    const row = '#cards .card[data-pair="SOL/USDC"] .venue.cex';
    await page.waitForSelector(row, { timeout: 15_000 });
    const name = await page.$eval(`${row} .name`, (el) => el.textContent || "");
    if (name !== "binance book") throw new Error(`cex row name: ${name}`);
    await page.waitForFunction((sel) => /^[0-9.]+ \/ [0-9.]+$/.test(document.querySelector(`${sel} .quote`)?.textContent || ""), row, { timeout: 15_000 });
    // Read in one page task, so bid, ask and mid come from the same book.
    const { quote, price } = await page.$eval(row, (el) => ({ quote: el.querySelector(".quote")?.textContent || "", price: el.querySelector(".price")?.textContent || "" }));
    const [bid, ask] = quote.split(" / ").map(Number);
    const mid = Number(price);
    if (!(bid > 0 && bid < ask && bid <= mid && mid <= ask)) throw new Error(`bid ${bid}, mid ${mid}, ask ${ask}`);
    await page.waitForFunction(() => (document.querySelector("#chart-legend")?.textContent || "").includes("binance book"), null, { timeout: 15_000 });
  });

  await check("an opportunity row appears", async () => {
    await page.waitForSelector("#opps tbody tr", { timeout: 30_000 });
    // Rows slide in at the top while the market moves, so a click aimed at one row can land
    // as the table shifts. A user clicks again; so does the test, up to three times.
    for (let attempt = 1; ; attempt++) {
      await page.click("#opps tbody tr");
      try {
        await page.waitForSelector("#opp-detail:not([hidden])", { timeout: 3_000 });
        break;
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
    const detail = await page.$eval("#opp-detail", (el) => el.textContent || "");
    if (!detail.includes("legs:")) throw new Error(`detail: ${detail}`);
  });

  await check("the opportunity count agrees with the rows", async () => {
    // Once an opportunity has closed, its dimmed row stays a few seconds: the count must say so.
    await page.waitForSelector("#opps tbody tr.closed", { timeout: 45_000 });
    // Sampled in one page task, so the rows and the count are from the same frame.
    const seen = await page.evaluate(() => {
      const rows = [...document.querySelectorAll("#opps tbody tr")];
      const closed = rows.filter((r) => r.classList.contains("closed")).length;
      return { open: rows.length - closed, closed, text: document.querySelector("#opp-count")?.textContent || "" };
    });
    const expected = seen.closed > 0 ? `${seen.open} open, ${seen.closed} closed` : `${seen.open} open`;
    if (seen.text !== expected) throw new Error(`count "${seen.text}" for ${seen.open} open and ${seen.closed} closed rows`);
  });

  await check("the health panel fills", async () => {
    await page.waitForFunction(() => (document.querySelector("#health")?.textContent || "").includes("detector"), null, { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelector("#source")?.textContent?.includes("simulator"), null, { timeout: 15_000 });
  });

  await check("the chart draws", async () => {
    await page.waitForFunction(() => (document.querySelector("#chart-legend")?.childElementCount || 0) >= 2, null, { timeout: 15_000 });
  });
  await shot("dashboard-1280x720");

  await check("a price alert fires once, as a toast and a notification", async () => {
    await page.waitForFunction(() => window.dexmon.price("SOL/USDC") !== null, null, { timeout: 15_000 });
    const price = await page.evaluate(() => window.dexmon.price("SOL/USDC"));
    await page.selectOption("#alert-pair", "SOL/USDC");
    await page.selectOption("#alert-condition", "below");
    // Twice the price: the condition holds already, so the alert fires as soon as it is added.
    await page.fill("#alert-price", String(price * 2));
    await page.click("#alert-add");
    await page.waitForSelector("#toasts .toast", { timeout: 15_000 });
    const text = await page.$eval("#toasts .toast", (el) => el.textContent || "");
    if (!text.includes("SOL/USDC below")) throw new Error(`toast: ${text}`);
    await page.waitForFunction(() => window.notificationsShown.length === 1, null, { timeout: 5_000 });
    await page.waitForFunction(() => (document.querySelector("#alerts li")?.textContent || "").includes("fired 1×"), null, { timeout: 5_000 });
    // Once per crossing: prices keep moving and it stays below, so no second toast comes.
    const updates = await page.evaluate(() => window.dexmon.priceUpdates);
    await page.waitForFunction((n) => window.dexmon.priceUpdates > n + 200, updates, { timeout: 15_000 });
    const toasts = await page.evaluate(() => window.dexmon.toasts.length);
    if (toasts !== 1) throw new Error(`${toasts} toasts for one crossing`);
  });
  await shot("dashboard-alert");

  await check("killing the monitor turns the status yellow or red", async () => {
    outage = true;
    monitor.kill("SIGKILL");
    await page.waitForSelector('#status[data-state="reconnecting"], #status[data-state="down"]', { timeout: 15_000 });
  });
  await shot("dashboard-disconnected");

  await check("a restarted monitor is picked up by itself", async () => {
    monitor = startMonitor(port);
    await waitHealthy(port);
    await page.waitForSelector('#status[data-state="connected"]', { timeout: 30_000 });
    const updates = await page.evaluate(() => window.dexmon.priceUpdates);
    await page.waitForFunction((n) => window.dexmon.priceUpdates > n + 20, updates, { timeout: 15_000 });
    outage = false;
  });

  await check("the alert is registered again on the new connection", async () => {
    // The restarted monitor knows nothing of it; the page adds it again and it fires again.
    await page.waitForFunction(() => window.dexmon.toasts.length === 2, null, { timeout: 15_000 });
    if ((await page.evaluate(() => window.dexmon.alerts)) !== 1) throw new Error("alert lost");
  });

  await check("a pair filter leaves only that pair updating", async () => {
    await page.click("#filters summary");
    await page.check('#pair-filters input[value="SOL/USDC"]');
    await page.waitForFunction(() => JSON.stringify(window.dexmon.pairs) === '["SOL/USDC"]', null, { timeout: 15_000 });
    const updates = await page.evaluate(() => window.dexmon.priceUpdates);
    await page.waitForFunction((n) => window.dexmon.priceUpdates > n + 20, updates, { timeout: 15_000 });
    const pairs = await page.evaluate(() => window.dexmon.pairs);
    if (JSON.stringify(pairs) !== '["SOL/USDC"]') throw new Error(`pairs after updates: ${pairs}`);
    const cards = await page.$$eval("#cards .card", (els) => els.map((e) => e.getAttribute("data-pair")));
    if (cards.some((p) => p !== "SOL/USDC")) throw new Error(`cards: ${cards}`);
  });
  await shot("dashboard-filtered");

  await check("no script errors", async () => {
    if (consoleErrors.length) throw new Error(consoleErrors.join("\n"));
  });
} catch (err) {
  await shot("failure").catch(() => {});
  console.error(`not ok - ${err instanceof Error ? err.stack : err}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  monitor.kill("SIGINT");
  console.log(`screenshots:\n  ${shots.join("\n  ")}`);
}
