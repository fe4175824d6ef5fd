#!/usr/bin/env python3
"""Serve a minimal JSON-RPC 2.0 `server.info` over a Unix socket, as an anchor for the RPC benchmark.

`addigysync-bench` starts this server beside the daemon and runs the same load against both, so
each daemon figure has a reference measured on the same machine in the same run. The framing is
the daemon's: one compact JSON message per line, in both directions.

The server does the least a correct JSON-RPC server on this framing can do. It checks no access
key, runs no handler work and has no connection limit. It replies to `server.info` with a fixed
result and the request's id, to any other method with error -32601, and to a line that is not
JSON with error -32700. A notification (a request without an id) gets no reply, and batches are
not supported. It runs until SIGTERM or SIGINT and removes its socket on exit.

Usage: anchor-jsonrpc-server.py SOCKET_PATH
"""

import asyncio
import json
import os
import signal
import sys

# The daemon's default line limit (--max-line-bytes), so both servers accept the same lines.
MAX_LINE_BYTES = 4 * 1024 * 1024

SERVER_INFO = {"name": "anchor-jsonrpc-server", "version": "0.1.0", "protocolVersion": "1.6"}


def encode(message):
    """Encode one reply as compact JSON and a newline."""
    return json.dumps(message, separators=(",", ":")).encode("utf-8") + b"\n"


def reply_to(line):
    """Return the encoded reply to one request line, or None when no reply is due."""
    try:
        request = json.loads(line)
    except ValueError as error:
        return encode({
            "jsonrpc": "2.0",
            "id": None,
            "error": {"code": -32700, "message": "Parse error: {}".format(error)},
        })
    if not isinstance(request, dict) or "id" not in request:
        return None
    if request.get("method") == "server.info":
        return encode({"jsonrpc": "2.0", "id": request["id"], "result": SERVER_INFO})
    return encode({
        "jsonrpc": "2.0",
        "id": request["id"],
        "error": {"code": -32601, "message": "Method not found: {!r}".format(request.get("method"))},
    })


async def serve_connection(reader, writer):
    """Reply to each request line of one connection, in order, until the client closes it."""
    try:
        while True:
            try:
                line = await reader.readuntil(b"\n")
            except asyncio.IncompleteReadError:
                break
            except asyncio.LimitOverrunError:
                message = "Line longer than {} bytes".format(MAX_LINE_BYTES)
                writer.write(encode({"jsonrpc": "2.0", "id": None, "error": {"code": -32007, "message": message}}))
                break
            if not line.strip():
                continue
            reply = reply_to(line)
            if reply is not None:
                writer.write(reply)
                # drain() returns at once unless the transport paused writing, so a client that
                # stops reading stops this loop instead of growing the write buffer without limit.
                await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main(socket_path):
    server = await asyncio.start_unix_server(serve_connection, path=socket_path, limit=MAX_LINE_BYTES, backlog=1024)
    stop = asyncio.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signal_number, stop.set)
    async with server:
        await stop.wait()
    try:
        os.unlink(socket_path)
    except FileNotFoundError:
        pass


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0)
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        sys.exit(64)
    asyncio.run(main(sys.argv[1]))
