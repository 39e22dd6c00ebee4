"""A TCP proxy that breaks connections on purpose (fault tier).

cutting_proxy.py cut|stall LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT LIFETIME_SECONDS

Listens on 127.0.0.1 only and forwards to the upstream (the local apiserver); TLS passes
through untouched. Stops by itself after LIFETIME_SECONDS.
  cut    each connection, watches included, is closed at a random moment after 0.5-5 s, as a
         flaky network or a restarting load balancer would.
  stall  connections are forwarded until the proxy gets SIGUSR1; from then on nothing more is
         forwarded and nothing is closed, so every request hangs (a partitioned network).
"""
import asyncio
import random
import signal
import sys

stalled = asyncio.Event()


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            if stalled.is_set():
                await asyncio.Event().wait()  # hold the connection, forward nothing, forever
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass


async def handle(client_reader, client_writer, mode, host, port):
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
    except OSError:
        client_writer.close()
        return
    pumps = [asyncio.ensure_future(pipe(client_reader, upstream_writer)),
             asyncio.ensure_future(pipe(upstream_reader, client_writer))]
    timeout = random.uniform(0.5, 5.0) if mode == "cut" else None
    await asyncio.wait(pumps, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for pump in pumps:
        pump.cancel()
    for writer in (client_writer, upstream_writer):
        writer.close()


async def main(mode, listen_port, host, port, lifetime):
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, stalled.set)
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, mode, host, port), "127.0.0.1", listen_port)
    async with server:
        await asyncio.sleep(lifetime)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode not in ("cut", "stall"):
        sys.exit("usage: cutting_proxy.py cut|stall LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT SECONDS")
    asyncio.run(main(mode, int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])))
