"""The lab's tiny local image: a root filesystem holding busybox-static.

No registry is reachable from the lab, so each host imports this image with
`docker import`. It is tagged `busybox:latest` so that the commands of Swarm
guides (`docker service create busybox sleep 1d`) work as written.
"""

from __future__ import annotations

import io
import tarfile
import time
from pathlib import Path

from swarmtui.lab.preflight import LabError, find_binary

IMAGE = "busybox:latest"

APPLETS = [
    "sh",
    "ash",
    "sleep",
    "echo",
    "cat",
    "ls",
    "env",
    "wget",
    "nc",
    "ps",
    "top",
    "hostname",
    "ip",
    "ifconfig",
    "ping",
    "nslookup",
    "date",
    "true",
    "false",
    "id",
    "mkdir",
    "rm",
    "touch",
    "tail",
    "head",
    "grep",
    "sed",
    "awk",
    "kill",
    "uname",
    "df",
    "free",
    "vi",
    "httpd",
    "printf",
    "seq",
    "watch",
    "uptime",
    "netstat",
    "traceroute",
    "mount",
]

INDEX_HTML = b"<html><body><h1>swarmtui lab</h1><p>served by busybox httpd</p></body></html>\n"


def build_rootfs_tar(dest: Path) -> Path:
    busybox = find_binary("busybox")
    if busybox is None:
        raise LabError("busybox is missing: `apt-get install busybox-static`")
    now = time.time()
    with tarfile.open(dest, "w") as tar:

        def add_dir(name: str, mode: int = 0o755) -> None:
            info = tarfile.TarInfo(name)
            info.type = tarfile.DIRTYPE
            info.mode = mode
            info.mtime = int(now)
            tar.addfile(info)

        def add_file(name: str, data: bytes, mode: int = 0o644) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = mode
            info.mtime = int(now)
            tar.addfile(info, io.BytesIO(data))

        for d in ("bin", "etc", "www", "root", "var", "proc", "sys", "dev"):
            add_dir(d)
        add_dir("tmp", 0o1777)
        add_file("bin/busybox", Path(busybox).read_bytes(), 0o755)
        for applet in APPLETS:
            info = tarfile.TarInfo(f"bin/{applet}")
            info.type = tarfile.SYMTYPE
            info.linkname = "busybox"
            info.mtime = int(now)
            tar.addfile(info)
        add_file(
            "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n"
        )
        add_file("etc/group", b"root:x:0:\nnogroup:x:65534:\n")
        add_file("www/index.html", INDEX_HTML)
    return dest


IMPORT_CHANGES = ("ENV PATH=/bin", 'CMD ["sh"]', "WORKDIR /")
