"""`shipshape`: the main job and housekeeping, for people who don't want to
remember pytest flags.

    shipshape verify [PATH] [--target STAGE] [pytest args...]
        PATH: a manifest (.yaml), or a Dockerfile or a folder holding one
        (zero-config: everything is inferred from the Dockerfile and its
        context). Default: ./shipshape.yaml if there is one, else ./Dockerfile.
    shipshape init PATH [--target STAGE] [--force]
        write the manifest zero-config `verify` would use, beside the Dockerfile
    shipshape prune [--dry-run]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import pytest

from shipshape import engine
from shipshape.errors import ConfigError
from shipshape.infer import Inference, infer, manifest_text
from shipshape.runstate import cache_dir


def locate(path: Path) -> tuple[Path, Path]:
    """(Dockerfile, build context) for a Dockerfile or a folder holding one."""
    if path.is_dir():
        dockerfile = path / "Dockerfile"
        if not dockerfile.is_file():
            raise ConfigError(f"{path}: no Dockerfile in this folder (name one: PATH/Dockerfile.x)")
        return dockerfile, path
    if path.is_file():
        return path, path.parent
    raise ConfigError(f"{path}: no such file or folder")


def zero_config_manifest(path: Path, target: str | None) -> tuple[Path, Inference]:
    """A manifest for a bare Dockerfile, written to the cache (never into the user's tree)."""
    dockerfile, context = locate(path)
    inference = infer(dockerfile.resolve(), context.resolve(), target)
    key = hashlib.sha256(f"{dockerfile.resolve()}\0{target}".encode()).hexdigest()[:16]
    manifest = cache_dir() / "zero-config" / key / "shipshape.yaml"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(manifest_text(inference, relative=False), encoding="utf-8")
    return manifest, inference


def _pytest_args(manifest: Path, pytest_args: list[str]) -> list[str]:
    args = [str(manifest), "-p", "no:cacheprovider", "-q", *pytest_args]
    # A target's properties share one image and its containers: keep them on one worker.
    if any(a == "-n" or a.startswith("-n") for a in pytest_args) and "--dist" not in pytest_args:
        args += ["--dist", "loadgroup"]
    return args


def verify(path: Path | None, target: str | None, pytest_args: list[str]) -> int:
    """Build and check a manifest's targets, or a bare Dockerfile's; print the report."""
    if path is None:
        path = Path("shipshape.yaml") if Path("shipshape.yaml").is_file() else Path(".")
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            print(f"shipshape: {path}: manifest not found", file=sys.stderr)
            return 4
        return int(pytest.main(_pytest_args(path, pytest_args)))
    try:
        manifest, inference = zero_config_manifest(path, target)
    except ConfigError as exc:
        print(f"shipshape: {exc}", file=sys.stderr)
        return 4
    print(f"shipshape: zero-config run of {inference.dockerfile}; inferred:")
    for line in inference.summary():
        print(f"  {line}")
    print(f"  (the manifest used: {manifest}; `shipshape init` writes it beside the Dockerfile)")
    sys.stdout.flush()
    return int(pytest.main(_pytest_args(manifest, pytest_args)))


def init(path: Path, target: str | None, force: bool) -> int:
    """Write the inferred manifest beside the Dockerfile."""
    try:
        dockerfile, context = locate(path)
        inference = infer(dockerfile.resolve(), context.resolve(), target)
    except ConfigError as exc:
        print(f"shipshape: {exc}", file=sys.stderr)
        return 4
    out = dockerfile.parent / "shipshape.yaml"
    if out.exists() and not force:
        print(f"shipshape: {out} exists; --force overwrites it", file=sys.stderr)
        return 4
    out.write_text(manifest_text(inference, relative=True), encoding="utf-8")
    print(f"shipshape: wrote {out}")
    for line in inference.summary():
        print(f"  {line}")
    return 0


def prune(dry_run: bool) -> int:
    """Remove shipshape images except the newest of each target."""
    try:
        client = engine.connect()
    except ConfigError as exc:
        print(f"shipshape: {exc}", file=sys.stderr)
        return 4
    removed = 0
    for image in engine.stale_images(client):
        print(f"{'would remove' if dry_run else 'removing'} {', '.join(image.tags) or image.id}")
        if not dry_run:
            client.images.remove(image.id, force=True)
        removed += 1
    print(f"shipshape: {removed} old image(s) {'to remove' if dry_run else 'removed'}")
    return 0


def split_path(words: list[str]) -> tuple[Path | None, list[str]]:
    """verify's PATH among pytest's own arguments: the first word naming a manifest or Dockerfile.

    pytest options take values (`-n 2`), so PATH is recognised by what it
    names, not by its position.
    """
    for i, word in enumerate(words):
        candidate = Path(word)
        if word.startswith("-") or not candidate.exists():
            continue
        if candidate.is_file() or (candidate / "Dockerfile").is_file():
            return candidate, words[:i] + words[i + 1 :]
    return None, words


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="shipshape", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    verify_parser = commands.add_parser("verify", help="check a manifest, or a bare Dockerfile")
    verify_parser.add_argument("--manifest", type=Path, help="same as PATH (a manifest)")
    verify_parser.add_argument("--target", help="the stage to build (default: the last)")
    init_parser = commands.add_parser("init", help="write the manifest inferred for a Dockerfile")
    init_parser.add_argument("path", type=Path)
    init_parser.add_argument("--target", help="the stage to build (default: the last)")
    init_parser.add_argument("--force", action="store_true", help="overwrite shipshape.yaml")
    prune_parser = commands.add_parser("prune", help="remove all but the newest image per target")
    prune_parser.add_argument("--dry-run", action="store_true")
    args, rest = parser.parse_known_args(argv)
    if args.command == "verify":
        path, pytest_args = split_path(rest)
        return verify(args.manifest or path, args.target, pytest_args)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "init":
        return init(args.path, args.target, args.force)
    return prune(args.dry_run)


if __name__ == "__main__":
    sys.exit(main())
