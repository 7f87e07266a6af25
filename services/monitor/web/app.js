// @ts-check
// The dashboard: one dexmon.v1 client over /ws, rendering at most once per animation frame.
//
// Flow: socket message -> `apply` (updates plain state, marks what is dirty) ->
// requestAnimationFrame -> `render` (touches only the dirty parts of the DOM).

import { LineChart, escapeHtml, formatPrice } from "./chart.js";

/** @typedef {import("./protocol").ServerMessage} ServerMessage */
/** @typedef {import("./protocol").ClientMessage} ClientMessage */
/** @typedef {import("./protocol").PriceUpdate} PriceUpdate */
/** @typedef {import("./protocol").Opportunity} Opportunity */
/** @typedef {import("./protocol").Health} Health */
/** @typedef {import("./protocol").LogMessage} LogMessage */
/** @typedef {import("./protocol").Channel} Channel */
/** @typedef {import("./protocol").Alert} Alert */
/** @typedef {import("./protocol").AlertTriggered} AlertTriggered */
/** @typedef {{ alert: Alert, fired: number }} AlertRow */
/** @typedef {{ opp: Opportunity, firstSeen: number, closedAt: number | null }} OppRow */

const MAX_LOGS = 100;
const MAX_OPP_ROWS = 200;
const CLOSED_ROW_MS = 10_000;
const CHART_WINDOW_MS = 5 * 60_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15_000;
const DOWN_AFTER_ATTEMPTS = 4;
const MAX_TOASTS = 5;
const TOAST_MS = 8_000;
const ALERTS_KEY = "dexmon.alerts";

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

const state = {
  /** @type {Map<string, PriceUpdate>} pool -> latest price */
  prices: new Map(),
  /** @type {Map<string, number>} pool -> previous price, for the flash */
  previous: new Map(),
  /** @type {Map<string, OppRow>} */
  opps: new Map(),
  /** @type {LogMessage[]} */
  logs: [],
  /** @type {Health | null} */
  health: null,
  /** @type {string | null} */
  epoch: null,
  /** @type {Record<Channel, number>} last seq processed per channel */
  seq: { prices: 0, opportunities: 0, health: 0, logs: 0 },
  /** @type {Set<string>} selected pairs; empty = all */
  pairFilter: new Set(),
  /** @type {Set<string>} selected dexes; empty = all */
  dexFilter: new Set(),
  /** @type {Set<string>} */
  knownPairs: new Set(),
  /** @type {Set<string>} */
  knownDexes: new Set(),
  /** @type {string | null} */
  selectedOpp: null,
  /** @type {Map<string, AlertRow>} this page's alerts by alert_id, kept across reloads */
  alerts: loadAlerts(),
  /** @type {string[]} texts of the toasts shown, newest last */
  toasts: [],
  chartPair: "",
  attempts: 0,
  connectedAt: 0,
  priceUpdates: 0,
};

const dirty = { cards: true, opps: true, logs: true, health: true, filters: true, header: true, alerts: true };
const chart = new LineChart(/** @type {HTMLCanvasElement} */ ($("chart")), $("chart-legend"), CHART_WINDOW_MS);

// --- connection --------------------------------------------------------------------------

/** @type {WebSocket | null} */
let socket = null;
/** @type {number | undefined} */
let retryTimer;
let requestId = 0;

function socketUrl() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const token = new URLSearchParams(location.search).get("token");
  return `${proto}//${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ""}`;
}

function connect() {
  clearTimeout(retryTimer);
  if (socket) {
    socket.onclose = null;
    socket.close();
  }
  setStatus(state.attempts === 0 ? "connecting" : "reconnecting");
  const ws = new WebSocket(socketUrl(), ["dexmon.v1.json"]);
  socket = ws;
  ws.onmessage = (event) => {
    try {
      apply(/** @type {ServerMessage} */ (JSON.parse(event.data)));
    } catch (err) {
      addLocalLog("error", `bad message from server: ${err}`);
    }
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    socket = null;
    state.attempts += 1;
    // Full jitter, so a restarted server is not hit by every browser at once.
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (state.attempts - 1));
    const delay = Math.random() * ceiling;
    setStatus(state.attempts >= DOWN_AFTER_ATTEMPTS ? "down" : "reconnecting");
    addLocalLog("warning", `connection closed (${event.code}${event.reason ? ` ${event.reason}` : ""}); retrying in ${(delay / 1000).toFixed(1)} s`);
    retryTimer = window.setTimeout(connect, delay);
  };
}

/** @param {ClientMessage} message */
function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

/** @param {"connecting" | "connected" | "reconnecting" | "down"} status */
function setStatus(status) {
  const el = $("status");
  el.dataset.state = status;
  $("status-text").textContent =
    status === "reconnecting" ? `reconnecting (attempt ${state.attempts})` : status;
  $("reconnect").hidden = status !== "down";
}

// --- state -------------------------------------------------------------------------------

/** @param {ServerMessage} m */
function apply(m) {
  switch (m.type) {
    case "connected": {
      const resumeFrom = state.epoch;
      state.attempts = 0;
      state.connectedAt = Date.now();
      setStatus("connected");
      // Opportunities and logs are resumed exactly; prices come from a fresh snapshot.
      if (resumeFrom) {
        for (const channel of /** @type {Channel[]} */ (["opportunities", "logs"])) {
          send({ type: "resume", id: `resume-${channel}`, channel, epoch: resumeFrom, after_seq: state.seq[channel] });
        }
      }
      state.epoch = m.epoch;
      if (state.pairFilter.size || state.dexFilter.size) sendFilters(new Set(), new Set());
      // Alerts live on a connection: every new one gets them again, under the same names.
      for (const [alertId, row] of state.alerts) send({ type: "alert_add", id: `alert-${alertId}`, alert_id: alertId, alert: row.alert });
      break;
    }
    case "snapshot":
      if (m.prices) {
        if (!state.chartPair) state.chartPair = busiestPair(m.prices);
        state.prices.clear();
        for (const p of m.prices) notePrice(p, false);
        dirty.cards = true;
      }
      if (m.opportunities) {
        const open = new Set(m.opportunities.map((o) => o.id));
        for (const [id, row] of state.opps) if (!open.has(id) && row.closedAt === null) row.closedAt = Date.now();
        for (const o of m.opportunities) noteOpp(o);
      }
      if (m.health) noteHealth(m.health);
      if (m.logs) for (const l of m.logs) noteLog(l);
      state.seq[m.channel] = m.seq;
      break;
    case "price_update":
      state.seq.prices = m.seq;
      notePrice(m, true);
      break;
    case "opportunity":
      state.seq.opportunities = m.seq;
      noteOpp(m);
      break;
    case "health":
      state.seq.health = m.seq;
      noteHealth(m);
      break;
    case "log":
      state.seq.logs = m.seq;
      noteLog(m);
      break;
    case "resumed":
      if (m.recovered) state.seq[m.channel] = m.from_seq - 1;
      break;
    case "error":
      addLocalLog("warning", `server refused a request: ${m.code} ${m.message}`);
      if (typeof m.id === "string" && m.id.startsWith("alert-")) {
        // A refused alert is not kept, or every reconnect would send it again.
        const alertId = m.id.slice("alert-".length);
        state.alerts.delete(alertId);
        saveAlerts();
        toast(`alert refused: ${m.message}`, true);
      }
      break;
    case "alert_added": {
      const row = state.alerts.get(m.alert_id);
      state.alerts.set(m.alert_id, { alert: m.alert, fired: row ? row.fired : 0 });
      saveAlerts();
      dirty.alerts = true;
      break;
    }
    case "alert_removed":
      state.alerts.delete(m.alert_id);
      saveAlerts();
      dirty.alerts = true;
      break;
    case "alert_triggered":
      noteAlert(m);
      break;
    default:
      break;
  }
  schedule();
}

/** @param {PriceUpdate} p @param {boolean} live */
function notePrice(p, live) {
  const before = state.prices.get(p.pool);
  if (before) state.previous.set(p.pool, before.price);
  state.prices.set(p.pool, p);
  state.knownPairs.add(p.pair);
  if (!state.knownDexes.has(p.dex)) {
    state.knownDexes.add(p.dex);
    dirty.filters = true;
  }
  if (!state.chartPair) state.chartPair = p.pair;
  if (p.pair === state.chartPair) chart.add(seriesName(p), Date.parse(p.timestamp), p.price);
  if (live) state.priceUpdates += 1;
  dirty.cards = true;
  dirty.filters = dirty.filters || state.knownPairs.size !== $("pair-filters").childElementCount;
}

/** @param {PriceUpdate} p */
function seriesName(p) {
  return p.pool_type === "cex_book" ? `${p.dex} book (mid)` : `${p.dex} ${p.pool_type} ${p.pool.slice(0, 4)}`;
}

/**
 * The pair quoted by the most pools: the most interesting chart to start with.
 * @param {PriceUpdate[]} prices
 */
function busiestPair(prices) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const p of prices) counts.set(p.pair, (counts.get(p.pair) || 0) + 1);
  let best = "";
  for (const [pair, n] of counts) if (n > (counts.get(best) || 0)) best = pair;
  return best;
}

/** @param {Opportunity} o */
function noteOpp(o) {
  const row = state.opps.get(o.id);
  if (o.status === "close") {
    if (row) {
      row.opp = o;
      row.closedAt = Date.now();
    }
  } else if (row && row.closedAt === null) {
    row.opp = o;
  } else {
    state.opps.set(o.id, { opp: o, firstSeen: Date.now(), closedAt: null });
  }
  // Bounded: the oldest closed rows go first, then the oldest rows.
  if (state.opps.size > MAX_OPP_ROWS) {
    const victims = [...state.opps.entries()].sort((a, b) => Number(a[1].closedAt === null) - Number(b[1].closedAt === null) || a[1].firstSeen - b[1].firstSeen);
    for (const [id] of victims.slice(0, state.opps.size - MAX_OPP_ROWS)) state.opps.delete(id);
  }
  dirty.opps = true;
}

/** @param {Health} h */
function noteHealth(h) {
  state.health = h;
  dirty.health = true;
  dirty.header = true;
}

/** @param {LogMessage} l */
function noteLog(l) {
  state.logs.push(l);
  if (state.logs.length > MAX_LOGS) state.logs.splice(0, state.logs.length - MAX_LOGS);
  dirty.logs = true;
}

/** @param {"info" | "warning" | "error"} level @param {string} message */
function addLocalLog(level, message) {
  noteLog({ seq: 0, timestamp: new Date().toISOString(), level, message });
  schedule();
}

// --- alerts ------------------------------------------------------------------------------

/** @returns {Map<string, AlertRow>} */
function loadAlerts() {
  try {
    const saved = JSON.parse(localStorage.getItem(ALERTS_KEY) || "[]");
    return new Map(saved.map((/** @type {[string, Alert]} */ [id, alert]) => [id, { alert, fired: 0 }]));
  } catch {
    return new Map();
  }
}

function saveAlerts() {
  try {
    localStorage.setItem(ALERTS_KEY, JSON.stringify([...state.alerts].map(([id, row]) => [id, row.alert])));
  } catch {
    // Storage may be off (private mode); the alerts still work for this page's life.
  }
}

/** @param {Alert} a */
function describeAlert(a) {
  if (a.price !== undefined) return `${a.pair} ${a.condition} ${formatPrice(a.price)}${a.dex ? ` on ${a.dex}` : ""}`;
  if (a.spread_pct_above !== undefined) return `${a.pair} spread above ${a.spread_pct_above}%`;
  return `${a.opportunity_type || "any"} opportunity above ${a.net_profit_pct_above}% net${a.pair ? ` on ${a.pair}` : ""}`;
}

/** @param {AlertTriggered} m */
function noteAlert(m) {
  const row = state.alerts.get(m.alert_id);
  if (row) row.fired += 1;
  dirty.alerts = true;
  const value = m.channel === "prices" && m.alert.price !== undefined ? formatPrice(m.value) : `${m.value.toFixed(3)}%`;
  const where = m.dex ? ` (${m.dex})` : m.opportunity_id ? ` (${m.opportunity_id})` : "";
  const direction = m.direction ? ` ${m.direction === "up" ? "↑" : "↓"}` : "";
  const text = `${describeAlert(m.alert)}: now ${value}${direction}${where}`;
  toast(text, false);
  if ("Notification" in window && Notification.permission === "granted") {
    new Notification("dexmon alert", { body: text, tag: m.alert_id });
  }
}

/** @param {string} text @param {boolean} error */
function toast(text, error) {
  state.toasts.push(text);
  const el = document.createElement("div");
  el.className = error ? "toast error" : "toast";
  el.textContent = text;
  const box = $("toasts");
  box.append(el);
  while (box.childElementCount > MAX_TOASTS) box.firstElementChild?.remove();
  setTimeout(() => el.remove(), TOAST_MS);
}

/** @param {SubmitEvent} event */
function addAlert(event) {
  event.preventDefault();
  const pair = /** @type {HTMLSelectElement} */ ($("alert-pair")).value;
  const condition = /** @type {"above" | "below" | "crosses"} */ (/** @type {HTMLSelectElement} */ ($("alert-condition")).value);
  const price = Number(/** @type {HTMLInputElement} */ ($("alert-price")).value);
  if (!pair || !(price > 0)) return;
  const alertId = `dash-${Date.now().toString(36)}`;
  send({ type: "alert_add", id: `alert-${alertId}`, alert_id: alertId, alert: { pair, condition, price } });
}

function renderAlerts() {
  dirty.alerts = false;
  const list = $("alerts");
  list.innerHTML = "";
  for (const [alertId, row] of state.alerts) {
    const li = document.createElement("li");
    li.dataset.alertId = alertId;
    li.className = row.fired ? "fired" : "";
    li.innerHTML = `<span class="what"></span><span class="muted"></span><button type="button" aria-label="Remove alert">remove</button>`;
    /** @type {HTMLElement} */ (li.querySelector(".what")).textContent = describeAlert(row.alert);
    /** @type {HTMLElement} */ (li.querySelector(".muted")).textContent = row.fired ? `fired ${row.fired}×` : "armed";
    /** @type {HTMLElement} */ (li.querySelector("button")).onclick = () => send({ type: "alert_remove", id: `alert-${alertId}`, alert_id: alertId });
    list.append(li);
  }
  $("alert-count").textContent = state.alerts.size ? String(state.alerts.size) : "";
}

// --- filters -----------------------------------------------------------------------------

/**
 * Moves the server's filters from `before` to the current selection.
 * @param {Set<string>} pairsBefore @param {Set<string>} dexesBefore
 */
function sendFilters(pairsBefore, dexesBefore) {
  const addPairs = [...state.pairFilter].filter((p) => !pairsBefore.has(p));
  const addDexes = [...state.dexFilter].filter((d) => !dexesBefore.has(d));
  const dropPairs = [...pairsBefore].filter((p) => !state.pairFilter.has(p));
  const dropDexes = [...dexesBefore].filter((d) => !state.dexFilter.has(d));
  if (dropPairs.length || dropDexes.length) {
    send({ type: "unsubscribe", id: ++requestId, channels: [], ...(dropPairs.length ? { pairs: dropPairs } : {}), ...(dropDexes.length ? { dexes: dropDexes } : {}) });
  }
  // Subscribing to prices again brings a snapshot of exactly the selection.
  send({ type: "subscribe", id: ++requestId, channels: ["prices"], ...(addPairs.length ? { pairs: addPairs } : {}), ...(addDexes.length ? { dexes: addDexes } : {}) });
}

/** @param {"pair" | "dex"} kind @param {string} name @param {boolean} on */
function toggleFilter(kind, name, on) {
  const pairsBefore = new Set(state.pairFilter);
  const dexesBefore = new Set(state.dexFilter);
  const set = kind === "pair" ? state.pairFilter : state.dexFilter;
  if (on) set.add(name);
  else set.delete(name);
  sendFilters(pairsBefore, dexesBefore);
  if (kind === "pair" && state.pairFilter.size && !state.pairFilter.has(state.chartPair)) {
    state.chartPair = [...state.pairFilter][0];
    chart.clear();
  }
  dirty.filters = true;
  schedule();
}

// --- rendering ---------------------------------------------------------------------------

let frameRequested = false;
function schedule() {
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(render);
  }
}

function render() {
  frameRequested = false;
  const now = Date.now();
  if (dirty.cards) renderCards();
  if (dirty.opps) renderOpps(now);
  if (dirty.logs) renderLogs();
  if (dirty.health) renderHealth();
  if (dirty.filters) renderFilters();
  if (dirty.alerts) renderAlerts();
  chart.draw(now);
}

function renderCards() {
  dirty.cards = false;
  /** @type {Map<string, PriceUpdate[]>} */
  const byPair = new Map();
  for (const p of state.prices.values()) {
    const list = byPair.get(p.pair) || [];
    list.push(p);
    byPair.set(p.pair, list);
  }
  const container = $("cards");
  const pairs = [...byPair.keys()].sort();
  for (const el of [...container.children]) {
    if (!byPair.has(/** @type {HTMLElement} */ (el).dataset.pair || "")) el.remove();
  }
  for (const pair of pairs) {
    const list = /** @type {PriceUpdate[]} */ (byPair.get(pair)).sort((a, b) => a.dex.localeCompare(b.dex) || a.pool.localeCompare(b.pool));
    let card = /** @type {HTMLElement | null} */ (container.querySelector(`[data-pair="${CSS.escape(pair)}"]`));
    if (!card) {
      card = document.createElement("div");
      card.className = "card";
      card.dataset.pair = pair;
      card.innerHTML = `<h3><span>${escapeHtml(pair)}</span><span class="spread"></span></h3><div class="venues"></div>`;
      card.onclick = () => {
        state.chartPair = pair;
        chart.clear();
        dirty.filters = true;
        schedule();
      };
      container.append(card);
    }
    const prices = list.map((p) => p.price);
    const spread = prices.length > 1 ? ((Math.max(...prices) / Math.min(...prices) - 1) * 100).toFixed(3) + "% spread" : "one venue";
    const liquidity = list.reduce((sum, p) => sum + p.liquidity, 0);
    /** @type {HTMLElement} */ (card.querySelector(".spread")).textContent = `${spread} · liq ${formatCompact(liquidity)}`;
    const venues = /** @type {HTMLElement} */ (card.querySelector(".venues"));
    for (const p of list) {
      let row = /** @type {HTMLElement | null} */ (venues.querySelector(`[data-pool="${CSS.escape(p.pool)}"]`));
      if (!row) {
        row = document.createElement("div");
        row.className = p.pool_type === "cex_book" ? "venue cex" : "venue";
        row.dataset.pool = p.pool;
        // An exchange book shows its best bid and ask; its price is their mid.
        const name = p.pool_type === "cex_book" ? `${escapeHtml(p.dex)} book` : `${escapeHtml(p.dex)} ${escapeHtml(p.pool_type)}`;
        row.innerHTML = `<span class="name">${name}</span><span class="quote"></span><span class="price"></span>`;
        venues.append(row);
      }
      if (p.bid !== undefined && p.ask !== undefined) {
        /** @type {HTMLElement} */ (row.querySelector(".quote")).textContent = `${formatPrice(p.bid)} / ${formatPrice(p.ask)}`;
      }
      const priceEl = /** @type {HTMLElement} */ (row.querySelector(".price"));
      const text = formatPrice(p.price);
      if (priceEl.textContent !== text) {
        const before = state.previous.get(p.pool);
        priceEl.textContent = text;
        priceEl.classList.remove("up", "down");
        if (before !== undefined && before !== p.price) {
          void priceEl.offsetWidth; // restart the flash animation
          priceEl.classList.add(p.price > before ? "up" : "down");
        }
      }
    }
  }
}

/** @param {number} v */
function formatCompact(v) {
  return Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 }).format(v);
}

/** @param {number} now */
function renderOpps(now) {
  dirty.opps = false;
  const body = /** @type {HTMLElement} */ ($("opps").querySelector("tbody"));
  let open = 0;
  let closed = 0;
  for (const [id, row] of state.opps) {
    if (row.closedAt !== null && now - row.closedAt > CLOSED_ROW_MS) {
      state.opps.delete(id);
      body.querySelector(`[data-id="${CSS.escape(id)}"]`)?.remove();
      continue;
    }
    if (row.closedAt === null) open += 1;
    else closed += 1;
    let tr = /** @type {HTMLElement | null} */ (body.querySelector(`[data-id="${CSS.escape(id)}"]`));
    if (!tr) {
      tr = document.createElement("tr");
      tr.dataset.id = id;
      tr.className = "new";
      tr.onclick = () => {
        state.selectedOpp = state.selectedOpp === id ? null : id;
        dirty.opps = true;
        schedule();
      };
      body.prepend(tr);
      const added = tr;
      setTimeout(() => added.classList.remove("new"), 1200);
    }
    const o = row.opp;
    tr.classList.toggle("closed", row.closedAt !== null);
    tr.innerHTML = `<td>${o.opportunity_type}</td><td>${escapeHtml(o.pair)}</td><td>${escapeHtml(o.buy_dex)}</td><td>${escapeHtml(o.sell_dex)}</td><td class="num">${o.net_profit_percent.toFixed(3)}</td><td class="num">${o.recommended_size.toPrecision(4)}</td><td class="num">${o.confidence}</td><td class="num">${((now - row.firstSeen) / 1000).toFixed(0)} s</td>`;
  }
  // Closed rows stay a few seconds, dimmed; the count says how many of the rows those are, so
  // "0 open" never sits above a row that looks live.
  $("opp-count").textContent = closed > 0 ? `${open} open, ${closed} closed` : `${open} open`;
  const detail = $("opp-detail");
  const selected = state.selectedOpp ? state.opps.get(state.selectedOpp) : undefined;
  detail.hidden = !selected;
  if (selected) {
    const o = selected.opp;
    const legs = o.legs.map((l, i) => `  ${i + 1}. ${l.dex} ${l.pool}: ${l.amount_in} ${l.token_in} -> ${l.amount_out} ${l.token_out}`).join("\n");
    detail.textContent = `${o.id} (${o.status})\nlegs:\n${legs}\ncosts: dex fees ${o.costs.dex_fees}, slippage ${o.costs.slippage}, gas+jito ${o.costs.gas_jito}\ntiming: detection ${o.timing.detection_latency_ms} ms, slot delta ${o.timing.slot_delta}, data age ${o.timing.data_freshness_ms} ms`;
  }
  // Ages keep moving while rows are shown.
  if (state.opps.size) setTimeout(() => { dirty.opps = true; schedule(); }, 1000);
}

function renderLogs() {
  dirty.logs = false;
  const order = { info: 0, warning: 1, error: 2 };
  const min = order[/** @type {"info" | "warning" | "error"} */ (/** @type {HTMLSelectElement} */ ($("log-level")).value)];
  $("log").innerHTML = state.logs
    .filter((l) => order[l.level] >= min)
    .slice()
    .reverse()
    .map((l) => `<li class="${l.level}">${escapeHtml(l.timestamp.slice(11, 19))} ${escapeHtml(l.message)}${l.context ? " " + escapeHtml(Object.entries(l.context).map(([k, v]) => `${k}=${v}`).join(" ")) : ""}</li>`)
    .join("");
}

function renderHealth() {
  dirty.health = false;
  const h = state.health;
  if (!h) return;
  /** @param {string} s */
  const cls = (s) => (s === "healthy" ? "healthy" : s === "degraded" ? "degraded" : "down-text");
  const c = h.components;
  const rows = [
    ["websocket", `<span class="${cls(c.websocket.status)}">${c.websocket.status}</span>`],
    ["pricing", `<span class="${cls(c.price_calculator.status)}">${c.price_calculator.status}</span> ${c.price_calculator.latency_ms.toFixed(3)} ms p50`],
    ["detector", `<span class="${cls(c.detector.status)}">${c.detector.status}</span> ${c.detector.latency_ms.toFixed(3)} ms p95`],
    ["pools", `${c.cache.entry_count} (hit rate ${(c.cache.hit_rate * 100).toFixed(1)}%)`],
    ["updates/min", String(h.metrics.price_updates_per_min)],
    ["stale prices", String(h.metrics.stale_prices)],
    ["detection p95", `${h.metrics.avg_detection_latency_p95.toFixed(3)} ms`],
    ["clients", String(h.metrics.connected_clients)],
    ...h.sources.map((s) => [`source ${s.name}`, `<span class="${s.state === "connected" ? "healthy" : s.state === "down" ? "down-text" : "degraded"}">${s.state}</span>${s.reason ? " " + escapeHtml(s.reason) : ""}`]),
  ];
  $("health").innerHTML = rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("");
  const source = h.sources[0];
  $("source").textContent = sourceLabel(source);
  $("slot").textContent = source && source.slot ? String(source.slot) : "-";
  $("uptime").textContent = formatDuration(h.metrics.uptime_seconds);
}

/** @param {number} s */
function formatDuration(s) {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h ${m}m` : m ? `${m}m ${s % 60}s` : `${s}s`;
}

function renderFilters() {
  dirty.filters = false;
  /** @param {HTMLElement} el @param {Set<string>} names @param {Set<string>} selected @param {"pair" | "dex"} kind */
  const fill = (el, names, selected, kind) => {
    const sorted = [...names].sort();
    if (el.childElementCount !== sorted.length) {
      el.innerHTML = sorted.map((n) => `<label><input type="checkbox" data-kind="${kind}" value="${escapeHtml(n)}"> ${escapeHtml(n)}</label>`).join("");
    }
    for (const input of el.querySelectorAll("input")) input.checked = selected.has(input.value);
  };
  fill($("pair-filters"), state.knownPairs, state.pairFilter, "pair");
  fill($("dex-filters"), state.knownDexes, state.dexFilter, "dex");
  const select = /** @type {HTMLSelectElement} */ ($("chart-pair"));
  const pairs = [...state.knownPairs].sort();
  if (select.options.length !== pairs.length) select.innerHTML = pairs.map((p) => `<option>${escapeHtml(p)}</option>`).join("");
  select.value = state.chartPair;
  const alertPair = /** @type {HTMLSelectElement} */ ($("alert-pair"));
  if (alertPair.options.length !== pairs.length) {
    const chosen = alertPair.value;
    alertPair.innerHTML = pairs.map((p) => `<option>${escapeHtml(p)}</option>`).join("");
    alertPair.value = chosen || state.chartPair;
  }
}

// --- wiring ------------------------------------------------------------------------------

document.addEventListener("change", (event) => {
  const target = /** @type {HTMLInputElement} */ (event.target);
  if (target.dataset.kind === "pair" || target.dataset.kind === "dex") {
    toggleFilter(/** @type {"pair" | "dex"} */ (target.dataset.kind), target.value, target.checked);
  } else if (target.id === "chart-pair") {
    state.chartPair = target.value;
    chart.clear();
  } else if (target.id === "log-level") {
    dirty.logs = true;
    schedule();
  }
});
$("clear-filters").onclick = () => {
  const pairsBefore = new Set(state.pairFilter);
  const dexesBefore = new Set(state.dexFilter);
  state.pairFilter.clear();
  state.dexFilter.clear();
  sendFilters(pairsBefore, dexesBefore);
  dirty.filters = true;
  schedule();
};
/** @type {HTMLFormElement} */ ($("alert-form")).onsubmit = addAlert;
$("alert-notify").onclick = () => {
  if ("Notification" in window) void Notification.requestPermission();
};
$("reconnect").onclick = () => {
  state.attempts = 0;
  connect();
};
// Redraw the chart's time axis even when nothing arrives.
setInterval(schedule, 1000);

/**
 * The header's source state: live, fallback polling (with why), replay or simulator.
 * @param {import("./protocol").SourceHealth | undefined} source
 */
function sourceLabel(source) {
  if (!source) return "-";
  if (source.state === "fallback") return `${source.name}: fallback polling${source.reason ? ` (${source.reason})` : ""}`;
  if (source.name === "yellowstone" && source.state === "connected") return "live (yellowstone)";
  return `${source.name} (${source.state})`;
}

/** Read-only view for the end-to-end test and for debugging in the console. */
Object.defineProperty(window, "dexmon", {
  value: {
    get status() { return $("status").dataset.state; },
    get priceUpdates() { return state.priceUpdates; },
    get pairs() { return [...new Set([...state.prices.values()].map((p) => p.pair))].sort(); },
    get openOpportunities() { return [...state.opps.values()].filter((r) => r.closedAt === null).length; },
    get seq() { return { ...state.seq }; },
    get alerts() { return state.alerts.size; },
    get toasts() { return [...state.toasts]; },
    /** The deepest pool's price of a pair, as an alert on it compares. */
    price(/** @type {string} */ pair) {
      const pools = [...state.prices.values()].filter((p) => p.pair === pair);
      pools.sort((a, b) => b.liquidity - a.liquidity);
      return pools.length ? pools[0].price : null;
    },
  },
});

connect();
