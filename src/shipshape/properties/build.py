"""build: the image builds from a clean context with the lockfile frozen."""

from dataclasses import dataclass

from shipshape.build import tail
from shipshape.errors import PropertyFailed
from shipshape.properties.base import Property
from shipshape.subject import Subject


@dataclass(frozen=True)
class Params:
    pass


def check(subject: Subject, params: Params) -> str:
    built = subject.build()
    if not built.ok:
        raise PropertyFailed(
            f"build: `docker buildx build` failed for {subject.target.id}\n"
            f"--- build log (tail) ---\n{tail(built.log, 30)}"
        )
    return "reused" if built.reused else f"{built.seconds:.1f}s"


PROPERTY = Property("build", "builds from a clean context with the lockfile frozen", Params, check)
