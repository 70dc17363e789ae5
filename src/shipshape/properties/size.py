"""size: the image, and what it adds over its base, stay within the variant's budget."""

from dataclasses import dataclass

from shipshape.errors import PropertyFailed
from shipshape.properties.base import Measured, Property, mb
from shipshape.subject import Subject


@dataclass(frozen=True)
class Params:
    # A slim Python service adds well under this; more usually means a build
    # toolchain or caches left behind. shipshape's templates promise 60.
    max_added_mb: float = 250.0
    # Absolute budget; applies only when the base is the official image (a
    # stand-in or mirror base has a different size of its own).
    max_mb: float | None = None


def _largest_layers(subject: Subject, count: int = 3) -> str:
    history = subject.image_history()
    layers = sorted(history, key=lambda h: h.get("Size", 0), reverse=True)[:count]
    return "\n".join(
        f"  {mb(h['Size']):7.1f} MB  {(h.get('CreatedBy') or '')[:110]}" for h in layers
    )


# How sizes are measured, the same on every engine. `docker image inspect`'s
# Size is the layers' files on the classic store, but the stored blobs
# (compressed, when they are) on the containerd store: so each image is
# read from `docker save`, its layers decompressed and their files summed.
MEASURED_AS = "uncompressed layers"


def size_verdict(
    size: float, base_size: float, official: str | None, used: str | None, params: Params
) -> tuple[str, str | None]:
    """The value the report shows, and the failure (None = within budget).

    `official` is the base the Dockerfile names (None: FROM scratch), `used`
    the image really built on (a substitute from the bases mapping, or the
    same). The absolute budget is for the official base only; with a
    substitute the value says that it was not applied, and why.
    """
    added = size - base_size
    text = f"{mb(size):.0f} MB (+{mb(added):.0f}), {MEASURED_AS}"
    substituted = used != official
    if params.max_mb is not None and substituted:
        text += (
            f"; absolute budget {params.max_mb:.0f} MB not applicable: "
            f"base is a substitute ({used})"
        )
    if mb(added) > params.max_added_mb:
        return text, (
            f"size: the image adds {mb(added):.0f} MB over its base {used or 'scratch'} "
            f"({mb(base_size):.0f} MB), budget +{params.max_added_mb:.0f} MB"
        )
    if params.max_mb is not None and not substituted and mb(size) > params.max_mb:
        return text, f"size: the image is {mb(size):.0f} MB, budget {params.max_mb:.0f} MB"
    return text, None


def check(subject: Subject, params: Params) -> Measured:
    size = subject.uncompressed_size(subject.image().tag)
    official, used = subject.runtime_base() or (None, None)
    # FROM scratch: everything in the image is added.
    base_size = subject.uncompressed_size(used) if used else 0
    text, failure = size_verdict(size, base_size, official, used, params)
    if failure:
        raise PropertyFailed(f"{failure}; largest layers:\n" + _largest_layers(subject))
    added = size - base_size
    return Measured(text, {"size_mb": mb(size), "base_mb": mb(base_size), "added_mb": mb(added)})


PROPERTY = Property("size", "image size within the variant's budget", Params, check)
