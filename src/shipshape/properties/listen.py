"""listen: serves HTTP on 0.0.0.0:<port>, reachable through a published port."""

from dataclasses import dataclass

import httpx

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Subject

TCP_LISTEN = "0A"
ANY_ADDRESSES = {"00000000", "00000000000000000000000000000000"}


@dataclass(frozen=True)
class Params:
    port: int = 8000
    # The route to ask and the status it must answer; without a path the
    # root is asked and any HTTP answer below 500 proves a server listens.
    path: str | None = None
    status: int | None = None


def listening_addresses(proc_net: str, port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp[6]) with a socket listening on `port`."""
    found = set()
    for line in proc_net.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4 or fields[3] != TCP_LISTEN:
            continue
        address, _, hex_port = fields[1].partition(":")
        if int(hex_port, 16) == port:
            found.add(address)
    return found


def describe(address: str) -> str:
    if address in ANY_ADDRESSES:
        return "0.0.0.0" if len(address) == 8 else "[::]"
    if len(address) == 8:  # little-endian IPv4
        return ".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0))
    return f"IPv6 {address}"


def check(subject: Subject, params: Params) -> str:
    container = subject.shared()
    proc_net = container.read_file("/proc/net/tcp") + container.read_file("/proc/net/tcp6")
    addresses = listening_addresses(proc_net, params.port)
    if not addresses:
        raise PropertyFailed(
            f"listen: nothing listens on port {params.port} in the container\n"
            f"--- container log (tail) ---\n{container.logs_tail()}"
        )
    if not addresses & ANY_ADDRESSES:
        shown = ", ".join(f"{describe(a)}:{params.port}" for a in sorted(addresses))
        raise PropertyFailed(
            f"listen: the server listens on {shown} only, expected 0.0.0.0:{params.port}: "
            "a published port cannot reach it"
        )
    url = container.url(params.path or "/")
    try:
        response = container.get(params.path or "/", timeout=5.0)
    except httpx.HTTPError as exc:
        raise PropertyFailed(f"listen: GET {url} failed: {exc!r}") from None
    expected = params.status or (200 if params.path else None)
    if expected is not None and response.status_code != expected:
        raise PropertyFailed(
            f"listen: GET {url} answered {response.status_code}, expected {expected}"
        )
    if expected is None and response.status_code >= 500:
        raise PropertyFailed(f"listen: GET {url} answered {response.status_code}, a server error")
    return f"0.0.0.0:{params.port}, GET {params.path or '/'} {response.status_code}"


PROPERTY = Property("listen", "serves HTTP on 0.0.0.0:8000", Params, check)
