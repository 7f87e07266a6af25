"""A non-Rust dexmon.v1 client: Python `websockets`, in JSON and in MessagePack.

Usage: python3 client_check.py ws://127.0.0.1:PORT/ws
Exits 0 when every check passes; prints what it checked.
"""

import asyncio
import json
import sys

import msgpack
import websockets


async def until(ws, decode, wanted, limit=5000):
    for _ in range(limit):
        message = decode(await asyncio.wait_for(ws.recv(), timeout=10))
        if message.get("type") == wanted:
            return message
    raise AssertionError(f"no {wanted} message")


async def json_client(url):
    async with websockets.connect(url, subprotocols=["dexmon.v1.json"]) as ws:
        assert ws.subprotocol == "dexmon.v1.json", ws.subprotocol
        connected = json.loads(await ws.recv())
        assert connected["type"] == "connected" and connected["protocol"] == "dexmon.v1", connected
        await ws.send(json.dumps({"type": "ping", "id": "py-1"}))
        pong = await until(ws, json.loads, "pong")
        assert pong["id"] == "py-1", pong
        await ws.send(json.dumps({"type": "subscribe", "id": 2, "channels": ["prices"], "pairs": ["SOL/USDC"]}))
        ack = await until(ws, json.loads, "subscribed")
        assert ack["id"] == 2 and ack["pairs"] == ["SOL/USDC"], ack
        snapshot = await until(ws, json.loads, "snapshot")
        assert all(p["pair"] == "SOL/USDC" for p in snapshot["prices"]), snapshot
        price = await until(ws, json.loads, "price_update")
        assert price["pair"] == "SOL/USDC" and price["price"] > 0, price
        await ws.send("{not json")
        error = await until(ws, json.loads, "error")
        assert error["code"] == "INVALID_JSON", error
        print(f"json: connected, pong, filtered snapshot and price {price['price']:.4f}, INVALID_JSON error")
        await alerts(ws, price)


async def alerts(ws, price):
    """A price alert that already holds fires at once and names the price message it saw."""
    level = price["price"] / 2
    alert = {"pair": price["pair"], "condition": "above", "price": level}
    await ws.send(json.dumps({"type": "alert_add", "id": "a-1", "alert_id": "half", "alert": alert}))
    added = await until(ws, json.loads, "alert_added")
    assert added["id"] == "a-1" and added["alert_id"] == "half" and added["alert"] == alert, added
    fired = await until(ws, json.loads, "alert_triggered")
    assert fired["alert_id"] == "half" and fired["value"] > level, fired
    assert fired["channel"] == "prices" and fired["seq"] > 0 and fired["pool"], fired
    await ws.send(json.dumps({"type": "alert_add", "id": "a-2", "alert": {"pair": "SOL/USDC"}}))
    refused = await until(ws, json.loads, "error")
    assert refused["id"] == "a-2" and refused["code"] == "INVALID_ALERT", refused
    await ws.send(json.dumps({"type": "alert_list", "id": "a-3"}))
    listed = await until(ws, json.loads, "alerts")
    assert [a["alert_id"] for a in listed["alerts"]] == ["half"], listed
    await ws.send(json.dumps({"type": "alert_remove", "id": "a-4", "alert_id": "half"}))
    removed = await until(ws, json.loads, "alert_removed")
    assert removed["alert_id"] == "half", removed
    print(f"json: alert fired at {fired['value']:.4f} (seq {fired['seq']}), INVALID_ALERT, listed, removed")


async def msgpack_client(url):
    decode = lambda frame: msgpack.unpackb(frame, raw=False)  # noqa: E731
    async with websockets.connect(url, subprotocols=["dexmon.v1.msgpack"]) as ws:
        assert ws.subprotocol == "dexmon.v1.msgpack", ws.subprotocol
        first = await ws.recv()
        assert isinstance(first, bytes), "MessagePack connections use binary frames"
        connected = decode(first)
        assert connected["type"] == "connected", connected
        await ws.send(msgpack.packb({"type": "ping", "id": 7}))
        pong = await until(ws, decode, "pong")
        assert pong["id"] == 7, pong
        opportunity = await until(ws, decode, "opportunity")
        assert opportunity["legs"] and isinstance(opportunity["legs"][0]["amount_in"], str), opportunity
        print(f"msgpack: connected, pong, opportunity {opportunity['id']}")


async def main(url):
    await json_client(url)
    await msgpack_client(url)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
