"""`shipshape`: the main job and housekeeping, for people who don't want to
remember pytest flags.

    shipshape verify [--manifest shipshape.yaml] [pytest args...]
    shipshape prune [--dry-run]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from shipshape import engine
from shipshape.errors import ConfigError


def verify(manifest: Path, pytest_args: list[str]) -> int:
    """Build and check every target of `manifest`; print the property table."""
    if not manifest.is_file():
        print(f"shipshape: {manifest}: manifest not found", file=sys.stderr)
        return 4
    return int(pytest.main([str(manifest), "-p", "no:cacheprovider", "-q", *pytest_args]))


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="shipshape", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    verify_parser = commands.add_parser("verify", help="check a manifest's templates")
    verify_parser.add_argument("--manifest", type=Path, default=Path("shipshape.yaml"))
    prune_parser = commands.add_parser("prune", help="remove all but the newest image per target")
    prune_parser.add_argument("--dry-run", action="store_true")
    args, rest = parser.parse_known_args(argv)
    if args.command == "verify":
        return verify(args.manifest, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return prune(args.dry_run)


if __name__ == "__main__":
    sys.exit(main())
