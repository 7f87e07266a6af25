"""Benchmark peer: a broadcast server on the Python `websockets` package, using its own
`broadcast()` helper as its documentation recommends.

Publishes RATE messages per second to every connected client, each stamped with its
publication time in nanoseconds since the Unix epoch (`context.sent_ns`).

    python3 server.py PORT RATE PAYLOAD_BYTES [DELAY_MS]

Publishing starts DELAY_MS after start, so the load client can connect first.
"""

import asyncio
import json
import sys
import time
from datetime import datetime, timezone

import websockets
from websockets.asyncio.server import broadcast, serve

CLIENTS = set()


async def handler(websocket):
    CLIENTS.add(websocket)
    try:
        await websocket.wait_closed()
    finally:
        CLIENTS.discard(websocket)


async def publish(rate, payload, delay_ms):
    padding = "x" * max(0, payload - 180)
    await asyncio.sleep(delay_ms / 1000)
    started = time.monotonic()
    seq = 0
    while True:
        await asyncio.sleep(0.001)
        owed = int((time.monotonic() - started) * rate)
        while seq < owed:
            seq += 1
            message = json.dumps(
                {
                    "type": "log",
                    "seq": seq,
                    "timestamp": datetime.now(timezone.utc).isoformat(),
                    "level": "info",
                    "message": f"bench {padding}",
                    "context": {"sent_ns": str(time.time_ns())},
                }
            )
            broadcast(CLIENTS, message)


async def main():
    port, rate, payload = (int(a) for a in sys.argv[1:4])
    delay_ms = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        print(f"python websockets {websockets.__version__} broadcast on {port} at {rate}/s", file=sys.stderr)
        await publish(rate, payload, delay_ms)


if __name__ == "__main__":
    asyncio.run(main())
