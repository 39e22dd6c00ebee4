"""A TCP proxy that cuts every connection after a random 0.5-5 s (fault tier).

cutting_proxy.py LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT LIFETIME_SECONDS

Listens on 127.0.0.1 only and forwards to the upstream (the local apiserver); TLS passes
through untouched. Each connection, watches included, is closed at a random moment, as a flaky
network or a restarting load balancer would. Stops by itself after LIFETIME_SECONDS.
"""
import asyncio
import random
import sys


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass


async def handle(client_reader, client_writer, host, port):
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, port)
    except OSError:
        client_writer.close()
        return
    pumps = [asyncio.ensure_future(pipe(client_reader, upstream_writer)),
             asyncio.ensure_future(pipe(upstream_reader, client_writer))]
    await asyncio.wait(pumps, timeout=random.uniform(0.5, 5.0),
                       return_when=asyncio.FIRST_COMPLETED)
    for pump in pumps:
        pump.cancel()
    for writer in (client_writer, upstream_writer):
        writer.close()


async def main(listen_port, host, port, lifetime):
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, host, port), "127.0.0.1", listen_port)
    async with server:
        await asyncio.sleep(lifetime)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])))
