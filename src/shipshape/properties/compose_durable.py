"""compose-durable: a record written through the app survives `down` + `up`."""

import secrets
import time
from dataclasses import dataclass

import httpx

from shipshape.composefile import ComposeParams
from shipshape.errors import PropertyFailed
from shipshape.properties.base import Measured, Property
from shipshape.subject import Subject


@dataclass(frozen=True)
class Params(ComposeParams):
    write_path: str = "/notes"


def check(subject: Subject, params: Params) -> Measured:
    text = f"durable-{secrets.token_hex(6)}"
    with subject.stack(params) as stack:
        budget = subject.budget(params.within_s).seconds
        stack.up(budget)
        created = httpx.post(
            stack.url(params.app_service, params.app_port, params.write_path),
            json={"text": text},
            timeout=10.0,
        )
        if created.status_code != 201:
            raise PropertyFailed(f"compose-durable: the write answered {created.status_code}")
        note_id = created.json()["id"]
        started = time.monotonic()
        stack.down(volumes=False)  # what an upgrade or a host reboot does
        stack.up(budget)
        read = stack.get(params.app_service, params.app_port, f"{params.write_path}/{note_id}")
        seconds = time.monotonic() - started
        if read.status_code != 200 or read.json().get("text") != text:
            raise PropertyFailed(
                f"compose-durable: after `down` and `up`, note {note_id} answered "
                f"{read.status_code} {read.text[:200]}: the data did not survive (named volume?)"
            )
    return Measured(f"round trip {seconds:.1f}s", {"seconds": seconds})


PROPERTY = Property(
    "compose-durable", "data survives down + up", Params, check, own_stack=True, cost=11
)
