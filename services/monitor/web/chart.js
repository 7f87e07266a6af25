// @ts-check
// A small live line chart on a canvas: one series per dex, the last few minutes.

/** @typedef {{ t: number, v: number }} Point */

const COLORS = ["#58a6ff", "#3fb950", "#d29922", "#f778ba", "#a371f7", "#56d4dd"];

export class LineChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {HTMLElement} legend
   * @param {number} windowMs how much history to show and keep
   */
  constructor(canvas, legend, windowMs) {
    this.canvas = canvas;
    this.legend = legend;
    this.windowMs = windowMs;
    /** @type {Map<string, Point[]>} */
    this.series = new Map();
  }

  /** Drops every series (a new pair was selected). */
  clear() {
    this.series.clear();
  }

  /**
   * @param {string} name
   * @param {number} t milliseconds since the epoch
   * @param {number} v
   */
  add(name, t, v) {
    let points = this.series.get(name);
    if (!points) {
      points = [];
      this.series.set(name, points);
    }
    points.push({ t, v });
    // Bounded: old points go, and at most 2,000 per series.
    const cutoff = t - this.windowMs;
    while (points.length > 2000 || (points.length > 0 && points[0].t < cutoff)) points.shift();
  }

  /** @param {number} now */
  draw(now) {
    const dpr = window.devicePixelRatio || 1;
    const width = this.canvas.clientWidth || 720;
    const height = this.canvas.clientHeight || 220;
    if (this.canvas.width !== Math.round(width * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
    }
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    let lo = Infinity;
    let hi = -Infinity;
    for (const points of this.series.values()) {
      for (const p of points) {
        lo = Math.min(lo, p.v);
        hi = Math.max(hi, p.v);
      }
    }
    const left = 70;
    const bottom = height - 18;
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = "#8b949e";
    if (!Number.isFinite(lo)) {
      ctx.fillText("waiting for prices", left, height / 2);
      return;
    }
    if (hi - lo < Math.abs(hi) * 1e-6) {
      hi += Math.abs(hi) * 1e-4 || 1;
      lo -= Math.abs(lo) * 1e-4 || 1;
    }
    const pad = (hi - lo) * 0.08;
    lo -= pad;
    hi += pad;
    const x = (/** @type {number} */ t) => left + ((t - (now - this.windowMs)) / this.windowMs) * (width - left - 8);
    const y = (/** @type {number} */ v) => 6 + (1 - (v - lo) / (hi - lo)) * (bottom - 6);
    ctx.strokeStyle = "#2a313c";
    ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const v = lo + ((hi - lo) * i) / 4;
      ctx.beginPath();
      ctx.moveTo(left, y(v));
      ctx.lineTo(width - 8, y(v));
      ctx.stroke();
      ctx.fillText(formatPrice(v), 4, y(v) + 4);
    }
    const minutes = Math.round(this.windowMs / 60000);
    ctx.fillText(`-${minutes} min`, left, height - 4);
    ctx.fillText("now", width - 30, height - 4);
    const names = [...this.series.keys()].sort();
    /** @type {string[]} */
    const items = [];
    names.forEach((name, i) => {
      const color = COLORS[i % COLORS.length];
      const points = /** @type {Point[]} */ (this.series.get(name));
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      points.forEach((p, j) => (j === 0 ? ctx.moveTo(x(p.t), y(p.v)) : ctx.lineTo(x(p.t), y(p.v))));
      // Hold the last price to "now": a pool that did not move is still at that price.
      const last = points[points.length - 1];
      if (last) ctx.lineTo(x(now), y(last.v));
      ctx.stroke();
      items.push(`<span><i style="background:${color}"></i>${escapeHtml(name)}</span>`);
    });
    const html = items.join("");
    if (this.legend.innerHTML !== html) this.legend.innerHTML = html;
  }
}

/** @param {number} v */
export function formatPrice(v) {
  if (!Number.isFinite(v)) return "-";
  const abs = Math.abs(v);
  if (abs >= 1000) return v.toFixed(2);
  if (abs >= 1) return v.toFixed(4);
  if (abs >= 0.001) return v.toFixed(6);
  return v.toPrecision(4);
}

/** @param {string} s */
export function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
