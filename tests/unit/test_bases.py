"""The bases file: substitutes, digest pins, and images declared unavailable."""

from shipshape.bases import parse_bases

TEXT = """
python:3.15-slim=local/python:3.15-slim
python:3.15-alpine=!no Alpine image here
[linux/arm64]
python:3.15-slim=local/arm64/python:3.15-slim
"""
DIGEST = "sha256:" + "ab" * 32


def test_a_digest_pin_takes_its_tags_substitute() -> None:
    bases = parse_bases(TEXT)
    assert bases.resolve(f"python:3.15-slim@{DIGEST}") == "local/python:3.15-slim"
    assert bases.build_context_args([f"python:3.15-slim@{DIGEST}"]) == [
        "--build-context",
        f"python:3.15-slim@{DIGEST}=docker-image://local/python:3.15-slim",
    ]


def test_platform_sections_win_over_the_common_lines() -> None:
    assert parse_bases(TEXT).resolve("python:3.15-slim", "linux/arm64").startswith("local/arm64")


def test_an_unavailable_image_has_a_reason_and_no_substitute() -> None:
    bases = parse_bases(TEXT)
    assert bases.unavailable("python:3.15-alpine") == "no Alpine image here"
    assert bases.resolve("python:3.15-alpine") == "python:3.15-alpine"
    assert bases.build_context_args(["python:3.15-alpine"]) == []


def test_an_image_the_file_does_not_name_is_neither_substituted_nor_unavailable() -> None:
    bases = parse_bases(TEXT)
    assert bases.unavailable("pyhton:3.15-slim") is None
    assert bases.resolve("pyhton:3.15-slim") == "pyhton:3.15-slim"
