// Benchmark peer: a broadcast server on the Node `ws` package, as its README shows.
// Publishes RATE messages per second to every connected client, each stamped with its
// publication time in nanoseconds since the Unix epoch (`context.sent_ns`).
//
//   node server.mjs PORT RATE PAYLOAD_BYTES [DELAY_MS]
//
// Publishing starts DELAY_MS after start, so the load client can connect first.
import { WebSocketServer } from "ws";

const [port, rate, payload, delayMs = 0] = process.argv.slice(2).map(Number);
const padding = "x".repeat(Math.max(0, payload - 180));
const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false });

// Wall-clock nanoseconds with sub-millisecond precision.
const nowNs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;

let seq = 0;
const started = performance.now() + delayMs;
setInterval(() => {
  if (performance.now() < started) return;
  const owed = Math.floor(((performance.now() - started) / 1000) * rate);
  while (seq < owed) {
    seq += 1;
    const message = JSON.stringify({
      type: "log",
      seq,
      timestamp: new Date().toISOString(),
      level: "info",
      message: `bench ${padding}`,
      context: { sent_ns: nowNs().toString() },
    });
    for (const client of wss.clients) {
      if (client.readyState === 1) client.send(message);
    }
  }
}, 1);
console.error(`node ws ${process.versions.node} broadcast on ${port} at ${rate}/s`);
