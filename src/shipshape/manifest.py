"""Load and validate a shipshape manifest.

The manifest says, as data, what each template promises: which sample apps it
applies to, which Python versions and platforms it supports, and each
property's parameters. It is validated on load against the parameter
dataclasses of the property registry, so a typo is reported as
`<file>:<line>: <what is wrong>; allowed: <keys>` instead of a KeyError deep
inside a test.

Shape (paths are relative to the manifest's own folder):

    defaults:            # python, platforms, build_args, dockerignore, properties
    apps:     {name: {path: ...}}
    variants: {name: {dockerfile: ..., apps: [...], <any key of defaults>}}

A variant's `properties` are merged over the defaults' field by field; `null`
drops a property for that variant.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shipshape.errors import ConfigError

TOP_KEYS = ("defaults", "apps", "variants")
COMMON_KEYS = ("python", "platforms", "build_args", "dockerignore", "properties", "skip")
APP_KEYS = ("path", "lockfile", "build_args")
VARIANT_KEYS = ("dockerfile", "apps", "target", "description", *COMMON_KEYS)


@dataclass(frozen=True)
class App:
    name: str
    path: Path
    # The file whose absence makes the app unbuildable (uv.lock for uv apps);
    # None: the app pins nothing (a property may say so).
    lockfile: str | None = "uv.lock"
    # What this app needs from any template, e.g. BUILD_DEPS for a C extension.
    build_args: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Variant:
    name: str
    dockerfile: Path
    apps: tuple[str, ...]
    python: tuple[str, ...]
    platforms: tuple[str, ...]
    build_args: Mapping[str, str]
    dockerignore: Path | None
    properties: Mapping[str, Any]  # property id -> its params dataclass
    # The manifest's folder: property parameters that name files are relative to it.
    root: Path = Path(".")
    target: str | None = None
    description: str = ""
    # A reason not to check this variant here; the report counts and prints it.
    skip: str | None = None


@dataclass(frozen=True)
class Manifest:
    path: Path
    apps: Mapping[str, App]
    variants: Mapping[str, Variant]
    property_order: tuple[str, ...] = field(default=())


# --------------------------------------------------------------- node access


class _Where:
    """The file and line of a YAML node, for one-line error messages."""

    def __init__(self, path: Path, node: yaml.Node) -> None:
        self.path, self.line = path, node.start_mark.line + 1

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{self.line}: {message}")


def _mapping(path: Path, node: yaml.Node, what: str, allowed: tuple[str, ...] | None) -> dict:
    """Key -> value node of a YAML mapping, rejecting keys not in `allowed`."""
    if not isinstance(node, yaml.MappingNode):
        raise _Where(path, node).error(f"{what} must be a mapping")
    out: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        if allowed is not None and key not in allowed:
            raise _Where(path, key_node).error(
                f"unknown key '{key}' in {what}; allowed: {', '.join(sorted(allowed))}"
            )
        if key in out:
            raise _Where(path, key_node).error(f"duplicate key '{key}' in {what}")
        out[key] = value_node
    return out


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _str(path: Path, node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or _is_null(node):
        raise _Where(path, node).error(f"{what} must be a string")
    return node.value


def _str_list(path: Path, node: yaml.Node, what: str) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise _Where(path, node).error(f"{what} must be a list of strings")
    return tuple(_str(path, item, f"each item of {what}") for item in node.value)


def _str_map(path: Path, node: yaml.Node, what: str) -> dict[str, str]:
    return {k: _str(path, v, f"{what}.{k}") for k, v in _mapping(path, node, what, None).items()}


# ------------------------------------------------------------ typed params


def _coerce(path: Path, node: yaml.Node, annotation: Any, what: str) -> Any:
    """The Python value of `node`, checked against a dataclass field's type."""
    value = yaml.safe_load(yaml.serialize(node))
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        if value is None:
            return None
        return _coerce(path, node, options[0], what)
    if origin in (list, tuple):
        (item_type, *_) = typing.get_args(annotation)
        if not isinstance(node, yaml.SequenceNode):
            raise _Where(path, node).error(f"{what} must be a list")
        items = [_coerce(path, n, item_type, f"each item of {what}") for n in node.value]
        return tuple(items)
    if origin in (dict, Mapping):
        return _str_map(path, node, what)
    if annotation is Path and isinstance(value, str):
        return Path(value)
    if annotation is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if annotation in (int, str, bool) and type(value) is annotation:
        return value
    if annotation is str and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    name = getattr(annotation, "__name__", str(annotation))
    raise _Where(path, node).error(f"{what} must be {name}, not {value!r}")


def _params(path: Path, prop: str, nodes: dict[str, yaml.Node], params_type: type) -> Any:
    hints = typing.get_type_hints(params_type)
    names = tuple(f.name for f in dataclasses.fields(params_type))
    values = {}
    for key, node in nodes.items():
        if key not in names:
            allowed = ", ".join(names) or "(none)"
            raise _Where(path, node).error(
                f"unknown parameter '{key}' of property '{prop}'; allowed: {allowed}"
            )
        values[key] = _coerce(path, node, hints[key], f"properties.{prop}.{key}")
    params = params_type(**values)
    return _with_paths_resolved(path, prop, nodes, params)


def _with_paths_resolved(path: Path, prop: str, nodes: dict[str, yaml.Node], params: Any) -> Any:
    """Path parameters, given or default, made absolute against the manifest's folder."""
    resolved = {}
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        if isinstance(value, Path):
            absolute = _resolve(path.parent, str(value))
            if not absolute.exists():
                where = (
                    f"{path}:{nodes[f.name].start_mark.line + 1}" if f.name in nodes else str(path)
                )
                raise ConfigError(f"{where}: properties.{prop}.{f.name}: no file {absolute}")
            resolved[f.name] = absolute
    return dataclasses.replace(params, **resolved) if resolved else params


def _property_nodes(
    path: Path, node: yaml.Node, what: str, known: Mapping[str, type]
) -> dict[str, dict[str, yaml.Node] | None]:
    """Property id -> its parameter nodes (None = dropped)."""
    out: dict[str, dict[str, yaml.Node] | None] = {}
    for prop, params_node in _mapping(path, node, what, tuple(known)).items():
        out[prop] = (
            None if _is_null(params_node) else _mapping(path, params_node, f"{what}.{prop}", None)
        )
    return out


# ------------------------------------------------------------------ loading


def _resolve(base: Path, raw: str) -> Path:
    candidate = Path(raw).expanduser()
    return candidate if candidate.is_absolute() else (base / candidate).resolve()


def load_manifest(path: Path, known: Mapping[str, type]) -> Manifest:
    """Parse and validate `path`. `known` maps each property id to its params type."""
    path = Path(path).resolve()
    if not path.is_file():
        raise ConfigError(f"{path}: manifest not found")
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}{line}: not valid YAML: {problem}") from None
    if root is None:
        raise ConfigError(f"{path}: manifest is empty")
    top = _mapping(path, root, "the manifest", TOP_KEYS)
    folder = path.parent
    defaults = _mapping(path, top["defaults"], "defaults", COMMON_KEYS) if "defaults" in top else {}
    apps = _load_apps(path, top.get("apps"), folder)
    if "variants" not in top:
        raise _Where(path, root).error("the manifest has no 'variants'")
    variants = {
        name: _load_variant(path, name, node, defaults, apps, known, folder)
        for name, node in _mapping(path, top["variants"], "variants", None).items()
    }
    return Manifest(path=path, apps=apps, variants=variants, property_order=tuple(known))


def _load_apps(path: Path, node: yaml.Node | None, folder: Path) -> dict[str, App]:
    if node is None:
        return {}
    apps = {}
    for name, app_node in _mapping(path, node, "apps", None).items():
        fields = _mapping(path, app_node, f"apps.{name}", APP_KEYS)
        if "path" not in fields:
            raise _Where(path, app_node).error(f"apps.{name} needs a 'path'")
        app_path = _resolve(folder, _str(path, fields["path"], f"apps.{name}.path"))
        if not app_path.is_dir():
            raise _Where(path, fields["path"]).error(f"apps.{name}.path: no folder {app_path}")
        lockfile: str | None = "uv.lock"
        if "lockfile" in fields:
            node = fields["lockfile"]
            lockfile = None if _is_null(node) else _str(path, node, f"apps.{name}.lockfile")
        if lockfile is not None and not (app_path / lockfile).is_file():
            raise _Where(path, fields["path"]).error(
                f"apps.{name}: {app_path / lockfile} is missing (the app must commit its lock file)"
            )
        build_args = (
            _str_map(path, fields["build_args"], f"apps.{name}.build_args")
            if "build_args" in fields
            else {}
        )
        apps[name] = App(name=name, path=app_path, lockfile=lockfile, build_args=build_args)
    return apps


def _load_variant(
    path: Path,
    name: str,
    node: yaml.Node,
    defaults: dict[str, yaml.Node],
    apps: Mapping[str, App],
    known: Mapping[str, type],
    folder: Path,
) -> Variant:
    what = f"variants.{name}"
    fields = _mapping(path, node, what, VARIANT_KEYS)
    merged = {**defaults, **{k: v for k, v in fields.items() if k != "properties"}}

    if "dockerfile" not in fields:
        raise _Where(path, node).error(f"{what} needs a 'dockerfile'")
    dockerfile = _resolve(folder, _str(path, fields["dockerfile"], f"{what}.dockerfile"))
    if not dockerfile.is_file():
        raise _Where(path, fields["dockerfile"]).error(f"{what}.dockerfile: no file {dockerfile}")

    app_names = _str_list(path, fields["apps"], f"{what}.apps") if "apps" in fields else ()
    for app in app_names:
        if app not in apps:
            raise _Where(path, fields["apps"]).error(
                f"{what}.apps: unknown app '{app}'; defined apps: {', '.join(sorted(apps))}"
            )

    dockerignore = None
    if "dockerignore" in merged and not _is_null(merged["dockerignore"]):
        dockerignore = _resolve(folder, _str(path, merged["dockerignore"], "dockerignore"))
        if not dockerignore.is_file():
            raise _Where(path, merged["dockerignore"]).error(
                f"dockerignore: no file {dockerignore}"
            )

    props = (
        _property_nodes(path, defaults["properties"], "defaults.properties", known)
        if ("properties" in defaults)
        else {}
    )
    if "properties" in fields:
        for prop, nodes in _property_nodes(
            path, fields["properties"], f"{what}.properties", known
        ).items():
            props[prop] = None if nodes is None else {**(props.get(prop) or {}), **nodes}
    properties = {
        prop: _params(path, prop, nodes, known[prop])
        for prop, nodes in props.items()
        if nodes is not None
    }

    build_args = {}
    if "build_args" in defaults:
        build_args.update(_str_map(path, defaults["build_args"], "defaults.build_args"))
    if "build_args" in fields:
        build_args.update(_str_map(path, fields["build_args"], f"{what}.build_args"))

    return Variant(
        name=name,
        dockerfile=dockerfile,
        apps=app_names,
        python=_str_list(path, merged["python"], "python") if "python" in merged else ("3.15",),
        platforms=_str_list(path, merged["platforms"], "platforms")
        if "platforms" in merged
        else ("linux/amd64",),
        build_args=build_args,
        dockerignore=dockerignore,
        properties=properties,
        root=folder,
        target=_str(path, fields["target"], f"{what}.target") if "target" in fields else None,
        description=_str(path, fields["description"], "description")
        if "description" in fields
        else "",
        skip=_str(path, merged["skip"], "skip") if "skip" in merged else None,
    )


# ------------------------------------------------------------------ targets


@dataclass(frozen=True, order=True)
class TargetId:
    """A target's one name in reports, labels, item ids, JUnit: variant/app/python/platform.

    Ordered as its name reads (variant, then app, python, platform): tables sort by it."""

    variant: str
    app: str
    python: str
    platform: str

    def __str__(self) -> str:
        return f"{self.variant}/{self.app}/{self.python}/{self.platform}"


@dataclass(frozen=True)
class Target:
    """One image to build and check: variant x app x python x platform."""

    variant: Variant
    app: App
    python: str
    platform: str

    @property
    def id(self) -> TargetId:
        return TargetId(self.variant.name, self.app.name, self.python, self.platform)


@dataclass(frozen=True)
class Selection:
    """What a run checks; empty tuples mean each variant's own default."""

    pythons: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unselected:
    """A combination the run asked for that a variant does not support."""

    target_id: TargetId
    reason: str


def expand_targets(
    manifest: Manifest, selection: Selection, native_platform: str
) -> tuple[list[Target], list[Unselected]]:
    """The targets of a run, and the asked-for combinations a variant does not support.

    By default each variant is checked on its first (default) Python and on
    the host's platform if it supports it, else its first platform. `all`
    selects every supported value.
    """
    unknown = [v for v in selection.variants if v not in manifest.variants]
    if unknown:
        raise ConfigError(
            f"{manifest.path}: unknown variant(s) {', '.join(unknown)}; "
            f"defined: {', '.join(manifest.variants)}"
        )
    targets: list[Target] = []
    unsupported: list[Unselected] = []
    for variant in manifest.variants.values():
        if selection.variants and variant.name not in selection.variants:
            continue
        pythons = _pick(selection.pythons, variant.python, variant.python[:1])
        default_platform = (
            native_platform if native_platform in variant.platforms else variant.platforms[0]
        )
        platforms = _pick(selection.platforms, variant.platforms, (default_platform,))
        for app_name in variant.apps:
            for python in pythons:
                for platform in platforms:
                    target_id = TargetId(variant.name, app_name, python, platform)
                    if python not in variant.python:
                        unsupported.append(
                            Unselected(
                                target_id,
                                f"{variant.name} does not "
                                f"support Python {python} ({', '.join(variant.python)})",
                            )
                        )
                    elif platform not in variant.platforms:
                        unsupported.append(
                            Unselected(
                                target_id,
                                f"{variant.name} does not "
                                f"support {platform} ({', '.join(variant.platforms)})",
                            )
                        )
                    else:
                        targets.append(Target(variant, manifest.apps[app_name], python, platform))
    return targets, unsupported


def _pick(asked: tuple[str, ...], supported: tuple[str, ...], default: tuple[str, ...]):
    if not asked:
        return default
    if asked == ("all",):
        return supported
    return asked
