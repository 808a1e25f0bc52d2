"""A slow link in user space: a TCP proxy that delays every byte each way.

This kernel has no netem, so latency cannot be added with tc. `DelayProxy(host, port,
delay)` listens on 127.0.0.1 and forwards to a lab host (or loopback) with `delay`
seconds added in each direction: the round trip grows by 2 × delay. It runs its own
event loop in a thread, so the code under test cannot starve it (nor it the code).
Targets are limited to loopback and the lab's own address range.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import threading

from swarmtui.lab.network import NET_BASE


class DelayProxy:
    def __init__(self, host: str, port: int, delay: float) -> None:
        addr = ipaddress.ip_address(host)
        if not (addr.is_loopback or addr in NET_BASE):
            raise ValueError(f"{host} is neither loopback nor a lab address")
        self.target = (host, port)
        self.delay = delay
        self.port = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="delay-proxy")
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def __enter__(self) -> DelayProxy:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            assert self._server is not None
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _handle(self, client_r: asyncio.StreamReader,
                      client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.close()
            self._tasks.discard(task)
            return
        try:
            await asyncio.gather(self._pipe(client_r, server_w), self._pipe(server_r, client_w))
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            for w in (client_w, server_w):
                w.close()
            self._tasks.discard(task)

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        """Copy src → dst, each chunk written `delay` s after it was read, in order."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def feed() -> None:
            with contextlib.suppress(OSError):
                while data := await src.read(65536):
                    queue.put_nowait((loop.time() + self.delay, data))
            queue.put_nowait((loop.time() + self.delay, b""))

        feeder = asyncio.ensure_future(feed())
        try:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    with contextlib.suppress(OSError):
                        dst.write_eof()
                    return
                dst.write(data)
                await dst.drain()
        finally:
            feeder.cancel()
            await asyncio.gather(feeder, return_exceptions=True)
