"""size: the image, and what it adds over its base, stay within the variant's budget."""

from dataclasses import dataclass

from shipshape.errors import NotChecked, PropertyFailed
from shipshape.properties.base import Measured, Property, mb
from shipshape.subject import Subject


@dataclass(frozen=True)
class Params:
    max_added_mb: float = 60.0
    # Absolute budget; applies only when the base is the official image (a
    # stand-in or mirror base has a different size of its own).
    max_mb: float | None = None


def _largest_layers(subject: Subject, count: int = 3) -> str:
    history = subject.client.images.get(subject.image().tag).history()
    layers = sorted(history, key=lambda h: h.get("Size", 0), reverse=True)[:count]
    return "\n".join(
        f"  {mb(h['Size']):7.1f} MB  {(h.get('CreatedBy') or '')[:110]}" for h in layers
    )


def check(subject: Subject, params: Params) -> str:
    plan = subject.image().plan
    size = subject.image_attrs()["Size"]
    if plan.runtime_base is None:
        raise NotChecked("the final stage has no base image to compare with")
    base_ref = subject.build_options.bases.resolve(plan.runtime_base, subject.target.platform)
    base_size = subject.client.images.get(base_ref).attrs["Size"]
    added = size - base_size
    value = f"{mb(size):.0f} MB (+{mb(added):.0f})"
    if mb(added) > params.max_added_mb:
        raise PropertyFailed(
            f"size: the image adds {mb(added):.0f} MB over its base {base_ref} "
            f"({mb(base_size):.0f} MB), budget +{params.max_added_mb:.0f} MB; largest layers:\n"
            + _largest_layers(subject)
        )
    substituted = base_ref != plan.runtime_base
    if params.max_mb is not None and not substituted and mb(size) > params.max_mb:
        raise PropertyFailed(
            f"size: the image is {mb(size):.0f} MB, budget {params.max_mb:.0f} MB; "
            "largest layers:\n" + _largest_layers(subject)
        )
    return Measured(value, {"size_mb": mb(size), "base_mb": mb(base_size), "added_mb": mb(added)})


PROPERTY = Property("size", "image size within the variant's budget", Params, check)
