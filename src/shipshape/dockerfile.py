"""A Dockerfile as BuildKit reads it: stages, instructions, image references.

The harness needs to know which images a build pulls: their ids enter the
content hash (a new base means a new image), each one may get a substitute
through `--build-context <name>=docker-image://...`, and the `size` property
measures growth over the built stage's base. Getting that right takes more
than a regex over FROM lines: a heredoc body line `from pathlib import Path`
is not a stage, `COPY --from=ghcr.io/astral-sh/uv:latest` pulls an image,
an escape parser directive makes the backtick the line-continuation character.

The rules below follow BuildKit's Dockerfile frontend (moby/buildkit,
frontend/dockerfile): parser.go for lines, directives and heredocs,
instructions/parse.go and dockerfile2llb/convert.go for stages and ARGs.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from types import MappingProxyType

from shipshape.errors import ConfigError

KEYWORDS = frozenset(
    {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK"}
    | {"LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}
)
SCRATCH = "scratch"  # the empty image: FROM it pulls nothing
# The ARG that makes a probe run a secret-mounting step again (rerunning_secret_steps).
SECRET_STEP_NONCE = "SHIPSHAPE_SECRET_STEP_NONCE"

# ---------------------------------------------------------------- the model ---


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: "RUN"
    arguments: str  # after the keyword and its flags, continuations joined, as written
    flags: tuple[tuple[str, str], ...] = ()  # ("mount", "type=cache,..."), in order, repeats kept
    # The bodies of its <<EOF heredocs, in order: each line with its newline,
    # leading tabs removed for <<-EOF; the delimiters stay in `arguments`.
    heredocs: tuple[str, ...] = ()
    line: int = 0  # 1-based line of the keyword

    def flag(self, name: str) -> str | None:
        """The flag's value, the last if repeated, None if absent; a bare `--link` is "true"."""
        values = self.flag_values(name)
        return values[-1] if values else None

    def flag_values(self, name: str) -> list[str]:
        return [value for key, value in self.flags if key == name]

    def exec_form(self) -> list[str] | None:
        """The JSON array of CMD, ENTRYPOINT, RUN, SHELL or HEALTHCHECK CMD; None in shell form."""
        text = self.arguments
        if self.keyword == "HEALTHCHECK":
            kind = text.split(maxsplit=1)
            if len(kind) != 2 or kind[0].upper() != "CMD":
                return None  # HEALTHCHECK NONE
            text = kind[1]
        return _json_array(text)


@dataclass(frozen=True)
class Stage:
    index: int
    name: str | None  # lower case, as BuildKit keeps it
    base: str  # ARG-expanded: an image, scratch, or the name of an earlier stage
    platform: str | None  # the --platform flag, ARG-expanded
    line: int  # of the FROM
    instructions: tuple[Instruction, ...]  # after the FROM, up to the next one
    parent: int | None = None  # the earlier stage that `base` names
    uses: tuple[int, ...] = ()  # stages read by COPY --from and RUN --mount from=
    images: tuple[str, ...] = ()  # images pulled: the FROM image, then COPY/mount ones
    # Values at the end of the stage; inherited from the parent stage, as
    # BuildKit does. Not hashed (mappings are not hashable).
    args: Mapping[str, str] = field(default_factory=dict, hash=False)
    env: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Dockerfile:
    stages: tuple[Stage, ...]
    source: str = "Dockerfile"

    def stage(self, target: str | None = None) -> Stage:
        """The stage a build of `target` produces: that name, or the last stage."""
        if target is None:
            return self.stages[-1]
        for stage in reversed(self.stages):  # a repeated name means its last stage
            if stage.name == target.lower():
                return stage
        names = ", ".join(s.name for s in self.stages if s.name) or "none named"
        raise ConfigError(f"{self.source}: no stage named {target!r} (stages: {names})")

    def ancestry(self, target: str | None = None) -> list[Stage]:
        """The built stage and the stages it is FROM, nearest first."""
        return self.lineage(self.stage(target))

    def lineage(self, stage: Stage) -> list[Stage]:
        """`stage` and the stages it is FROM, nearest first: the last one starts FROM an image."""
        chain = [stage]
        while chain[-1].parent is not None:
            chain.append(self.stages[chain[-1].parent])
        return chain

    def stages_for(self, target: str | None = None) -> list[Stage]:
        """Every stage a build of `target` runs, in file order; BuildKit skips the others."""
        todo, seen = [self.stage(target).index], set()
        while todo:
            index = todo.pop()
            if index not in seen:
                seen.add(index)
                stage = self.stages[index]
                todo += [*stage.uses, *([] if stage.parent is None else [stage.parent])]
        return [self.stages[index] for index in sorted(seen)]

    def image_references(self, target: str | None = None) -> list[str]:
        """The images a build of `target` pulls, each once: FROM, COPY --from, RUN --mount from=."""
        return list(dict.fromkeys(ref for s in self.stages_for(target) for ref in s.images))

    def final_base(self, target: str | None = None) -> str | None:
        """The image the built stage ultimately starts FROM; None for scratch."""
        base = self.ancestry(target)[-1].base
        return None if base == SCRATCH else base

    def instructions(self, target: str | None, keyword: str) -> list[Instruction]:
        """`keyword` instructions the built image inherits, oldest first: the last one holds."""
        return [
            instruction
            for stage in reversed(self.ancestry(target))
            for instruction in stage.instructions
            if instruction.keyword == keyword.upper()
        ]


def copies_whole_context(instruction: Instruction) -> bool:
    """A COPY or ADD of the build context's root (`COPY . /app`), not of a stage or an image."""
    if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
        return False
    words = instruction.exec_form() or instruction.arguments.split()
    return any(word in (".", "./") for word in words[:-1])


def source_of_stages(text: str, model: Dockerfile, target: str | None = None) -> str:
    """The lines of `text` that a build of `target` reads: those before the first FROM
    (parser directives, global ARGs) and every stage it runs, each from its FROM up to
    the next stage's. Comments in them included: when in doubt, a line counts."""
    lines = text.removeprefix("\ufeff").split("\n")
    starts = [stage.line - 1 for stage in model.stages] + [len(lines)]
    parts = [lines[: starts[0]]]
    parts += [lines[starts[s.index] : starts[s.index + 1]] for s in model.stages_for(target)]
    return "\n".join("\n".join(part) for part in parts)


def secret_ids(model: Dockerfile, target: str | None = None) -> list[str]:
    """The ids of the BuildKit secrets that a build of `target` mounts, each once.

    As BuildKit reads `--mount=type=secret`: `id=`, else the basename of its target.
    """
    ids = [
        _secret_id(fields)
        for stage in model.stages_for(target)
        for instruction in stage.instructions
        for fields in _secret_mounts(instruction)
    ]
    return list(dict.fromkeys(i for i in ids if i))


def rerunning_secret_steps(text: str, model: Dockerfile, nonce: str) -> str:
    """`text` with an `ARG` holding `nonce` before each stage's first step that mounts a secret.

    BuildKit keys a step's cache by its definition, not by the secret's
    content: a step that wrote the secret into its layer is taken from the
    cache of a build made with another secret (or none). The ARG is in the
    environment of every later RUN of its stage, so from there on the steps
    run again. One line is added per such stage; the others keep their text.
    """
    lines = text.split("\n")
    firsts = []
    for stage in model.stages:
        mounting = [i.line for i in stage.instructions if list(_secret_mounts(i))]
        firsts += mounting[:1]
    for line in sorted(firsts, reverse=True):  # from the end: earlier line numbers hold
        lines.insert(line - 1, f"ARG {SECRET_STEP_NONCE}={nonce}")
    return "\n".join(lines)


def _secret_mounts(instruction: Instruction) -> Iterator[dict[str, str]]:
    """The fields of each `--mount=type=secret` of a RUN."""
    if instruction.keyword != "RUN":
        return
    for mount in instruction.flag_values("mount"):
        fields = _mount_fields(mount)
        if fields.get("type") == "secret":
            yield fields


def _secret_id(fields: Mapping[str, str]) -> str:
    target = fields.get("target") or fields.get("dst") or fields.get("destination") or ""
    return fields.get("id") or target.rstrip("/").rsplit("/", 1)[-1]


# -------------------------------------------------------------- parse() ---


def parse(
    text: str,
    build_args: Mapping[str, str] | None = None,
    *,
    source: str = "Dockerfile",
    platform: str | None = None,
) -> Dockerfile:
    """The Dockerfile in `text` as a build with these build args and target platform sees it.

    A Dockerfile BuildKit would reject raises ConfigError("<source>:<line>: <what>").
    """
    lines = text.removeprefix("\ufeff").split("\n")
    try:
        escape = _escape_directive(lines)
        instructions = list(_read_instructions(lines, escape))
        last_line = max(1, len(lines) - (lines[-1] == ""))
        stages = _build_stages(instructions, dict(build_args or {}), platform, escape, last_line)
    except _Invalid as exc:
        raise ConfigError(f"{source}:{exc.line}: {exc.message}") from None
    return Dockerfile(stages, source)


class _Invalid(Exception):
    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message, self.line = message, line


@contextmanager
def _at(line: int) -> Iterator[None]:
    """Errors raised inside, by helpers that do not know the line, name `line`."""
    try:
        yield
    except _Invalid as exc:
        raise _Invalid(exc.message, exc.line or line) from None


_DIRECTIVE = re.compile(r"#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*")
_BLANKS = re.compile(r"[\t\v\f\r ]+")


def _escape_directive(lines: list[str]) -> str:
    """The escape character: backslash, unless an escape directive makes it backtick.

    Parser directives count only at the very top: the first line that is
    not one (a comment, a blank line, an instruction) ends them.
    """
    escape, seen = "\\", set()
    for number, raw in enumerate(lines, start=1):
        match = _DIRECTIVE.fullmatch(raw.rstrip("\r").lstrip())
        if not match or match[1].lower() not in ("syntax", "escape", "check"):
            break
        name, value = match[1].lower(), match[2]
        if name in seen:
            raise _Invalid(f"only one {name} parser directive can be used", number)
        seen.add(name)
        if name == "escape" and value not in ("\\", "`"):
            raise _Invalid(f"invalid escape character {value!r}: use \\ or `", number)
        if name == "escape":
            escape = value
    return escape


def _read_instructions(lines: list[str], escape: str) -> Iterator[Instruction]:
    """Logical lines, continuations joined, each followed by the heredoc bodies it opens."""
    e = re.escape(escape)
    continued = re.compile(rf"(?<!{e}){e}[ \t]*$")  # an escaped escape does not continue
    number = 0  # lines consumed
    while number < len(lines):
        start, first = number + 1, lines[number].rstrip("\r").lstrip()
        number += 1
        if first.startswith("#"):
            continue
        text, more = _cut(first, continued)
        if not text and not more:
            continue  # a blank line
        parts = [text]
        while more and number < len(lines):
            raw = lines[number].rstrip("\r")
            number += 1
            # Comment and blank lines inside a continued instruction are dropped.
            if raw.lstrip().startswith("#") or not raw.strip():
                continue
            text, more = _cut(raw, continued)
            parts.append(text)  # joined as written: BuildKit adds no space
        line = "".join(parts)
        if not line.strip():
            continue  # only continuation characters
        with _at(start):
            keyword, flags, arguments = _split_instruction(line, escape)
            if keyword not in KEYWORDS:
                raise _Invalid(f"unknown instruction {keyword}")
            heredocs = []
            if "<<" in arguments and _takes_heredocs(keyword, arguments, escape):
                for name, chomp in _heredoc_delimiters(arguments):
                    body, number = _read_heredoc(lines, number, name, chomp)
                    heredocs.append(body)
        yield Instruction(keyword, arguments, flags, tuple(heredocs), start)


def _cut(line: str, continued: re.Pattern[str]) -> tuple[str, bool]:
    """The line without its trailing continuation character, and whether it had one."""
    match = continued.search(line)
    return (line[: match.start()], True) if match else (line, False)


def _split_instruction(line: str, escape: str) -> tuple[str, tuple[tuple[str, str], ...], str]:
    keyword, *rest = _BLANKS.split(line.strip(), maxsplit=1)
    flags, arguments = _split_flags(rest[0] if rest else "", escape)
    return keyword.upper(), flags, arguments


def _split_flags(text: str, escape: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """The leading `--name=value` words, quotes and escapes undone, and the text after them.

    As BuildKit's extractBuilderFlags: flags end at the first word not
    starting with `--`, or at a `--` word of their own.
    """
    flags: list[tuple[str, str]] = []
    i = 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if not text.startswith("--", i):
            break
        word, i = _flag_word(text, i, escape)
        if word == "--":
            break
        name, equals, value = word[2:].partition("=")
        flags.append((name, value if equals else "true"))  # a bare flag is a boolean
    return tuple(flags), text[i:].strip()


def _flag_word(text: str, i: int, escape: str) -> tuple[str, int]:
    out, quote = [], ""
    while i < len(text) and (quote or not text[i].isspace()):
        ch = text[i]
        if ch == quote:
            quote = ""
        elif not quote and ch in "'\"":
            quote = ch
        elif ch == escape:
            out.append(text[i + 1 : i + 2])
            i += 1
        else:
            out.append(ch)
        i += 1
    return "".join(out), i


def _takes_heredocs(keyword: str, arguments: str, escape: str) -> bool:
    """RUN, COPY and ADD take heredocs (also as ONBUILD triggers), but not in JSON form."""
    if keyword == "ONBUILD":
        keyword, _, arguments = _split_instruction(arguments, escape)
    return keyword in ("RUN", "COPY", "ADD") and _json_array(arguments) is None


_HEREDOC = re.compile(r"(\d*)<<(-?)([^<]*)")


def _heredoc_delimiters(arguments: str) -> list[tuple[str, bool]]:
    """(name, chomp) of each `<<EOF`, `<<-EOF`, `<<'EOF'`, `<< "EOF"` word, in order."""
    # BuildKit reads `<< EOF` as one word, and always with \ as the escape.
    words = _words(re.sub(r"<<[ \t]+", "<<", arguments), "\\")
    delimiters = []
    for word in words:
        match = _HEREDOC.fullmatch(word)
        if match and match[3]:
            name = _expand(match[3], {}, "\\", keep_unset=True)  # quotes off, $X kept
            delimiters.append((name, match[2] == "-"))
    return delimiters


def _read_heredoc(lines: list[str], number: int, name: str, chomp: bool) -> tuple[str, int]:
    """The body from lines[number:] up to the line `name`, and the number of lines consumed."""
    body: list[str] = []
    for raw in lines[number:]:
        number += 1
        candidate = raw.rstrip("\r")
        if (candidate.lstrip("\t") if chomp else candidate) == name:
            text = "".join(line + "\n" for line in body)
            return (re.sub(r"(?m)^\t+", "", text) if chomp else text), number
        body.append(raw)
    raise _Invalid(f"unterminated heredoc: no line {name!r} ends <<{name}")


# -------------------------------------------------------------- stages ---


def _build_stages(
    instructions: list[Instruction],
    build_args: dict[str, str],
    platform: str | None,
    escape: str,
    last_line: int,
) -> tuple[Stage, ...]:
    scope = _automatic_args(platform, build_args)  # what FROM lines see
    groups: list[tuple[Instruction, list[Instruction]]] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            groups.append((instruction, []))
        elif groups:
            groups[-1][1].append(instruction)
        elif instruction.keyword == "ARG":
            with _at(instruction.line):
                for key, default in _arg_declarations(instruction, escape):
                    value = _arg_value(key, default, scope, scope, build_args, escape, False)
                    if value is not None:
                        scope[key] = value
        else:
            raise _Invalid(
                f"{instruction.keyword} before the first FROM (only ARG may come first)",
                instruction.line,
            )
    if not groups:
        raise _Invalid("no FROM instruction: a Dockerfile needs at least one stage", last_line)

    # COPY --from may name any stage, so every name is known before the first stage is built.
    names = [_from_words(from_instruction)[1] for from_instruction, _ in groups]
    stages: list[Stage] = []
    for index, (from_instruction, body) in enumerate(groups):
        stage = _stage(index, from_instruction, body, stages, names, scope, build_args, escape)
        stages.append(stage)
    return tuple(stages)


# BuildKit sets these in the global scope. The target platform is the
# build's --platform; the build platform (the builder's, maybe remote) and
# the target stage are unknown here: they stay as written ("$BUILDPLATFORM")
# rather than turn empty. A build arg of the same name overrides any.
_AUTOMATIC_ARGS = (
    *("BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT", "TARGETSTAGE"),
    *("TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT"),
)


def _automatic_args(platform: str | None, build_args: Mapping[str, str]) -> dict[str, str]:
    scope = {name: f"${name}" for name in _AUTOMATIC_ARGS}
    if platform:
        os_, _, arch = platform.partition("/")
        arch, _, variant = arch.partition("/")
        scope |= {"TARGETPLATFORM": platform, "TARGETOS": os_}
        scope |= {"TARGETARCH": arch, "TARGETVARIANT": variant}
    return scope | {name: value for name, value in build_args.items() if name in scope}


_STAGE_NAME = re.compile(r"[a-z][a-z0-9\-_.]*")


def _from_words(instruction: Instruction) -> tuple[str, str | None]:
    """FROM <image> [AS <name>]: the image as written, and the stage name in lower case."""
    words = instruction.arguments.split()
    if len(words) == 3 and words[1].upper() == "AS":
        if not _STAGE_NAME.fullmatch(words[2].lower()):
            raise _Invalid(
                f"invalid stage name {words[2]!r}: a letter, then letters, digits, -, _ or .",
                instruction.line,
            )
        return words[0], words[2].lower()
    if len(words) != 1:
        got = f", not {instruction.arguments!r}" if words else ""
        raise _Invalid(f"FROM takes an image and an optional AS <name>{got}", instruction.line)
    return words[0], None


def _stage(
    index: int,
    from_instruction: Instruction,
    body: list[Instruction],
    earlier: list[Stage],
    names: list[str | None],
    scope: Mapping[str, str],
    build_args: Mapping[str, str],
    escape: str,
) -> Stage:
    image, name = _from_words(from_instruction)
    with _at(from_instruction.line):
        base = _expand(image, scope, escape)
        platform = from_instruction.flag("platform")
        platform = None if platform is None else _expand(platform, scope, escape)
        if not base:
            raise _Invalid(f"FROM {image} names no image: it expands to nothing")
    # Only a stage defined before this FROM can be its base.
    parent = next((s for s in reversed(earlier) if s.name == base), None)
    args = dict(parent.args) if parent else {}
    env = dict(parent.env) if parent else {}
    uses: list[int] = []
    images = [] if parent or base == SCRATCH else [base]
    for instruction in body:
        with _at(instruction.line):
            if instruction.keyword == "ARG":
                for key, default in _arg_declarations(instruction, escape):
                    here = {**args, **env}  # ENV wins over an ARG of the same name
                    value = _arg_value(key, default, here, scope, build_args, escape, True)
                    if value is not None:
                        args[key] = value
            elif instruction.keyword == "ENV":
                here = {**args, **env}  # every pair sees the values from before the ENV
                for key, raw in _env_pairs(instruction, escape):
                    env[key] = _expand(raw, here, escape, keep_unset=True)
            for source in _sources(instruction, names):
                if isinstance(source, int):
                    uses.append(source)
                elif source != SCRATCH:
                    images.append(source)
    return Stage(
        index=index,
        name=name,
        base=base,
        platform=platform,
        line=from_instruction.line,
        instructions=tuple(body),
        parent=None if parent is None else parent.index,
        uses=tuple(dict.fromkeys(uses)),
        images=tuple(dict.fromkeys(images)),
        args=MappingProxyType(args),
        env=MappingProxyType(env),
    )


def _arg_declarations(instruction: Instruction, escape: str) -> list[tuple[str, str | None]]:
    """`ARG A B=default`: each name with its unexpanded default, None without one."""
    declarations = []
    for word in _words(instruction.arguments, escape):
        key, equals, default = word.partition("=")
        if not key:
            raise _Invalid("ARG names can not be blank")
        declarations.append((key, default if equals else None))
    if not declarations:
        raise _Invalid("ARG needs a name")
    return declarations


def _arg_value(
    key: str,
    default: str | None,
    here: Mapping[str, str],
    global_scope: Mapping[str, str],
    build_args: Mapping[str, str],
    escape: str,
    in_stage: bool,
) -> str | None:
    """A build arg wins; else the default, expanded; else (`ARG NAME` alone) the global value.

    In a stage, a variable the Dockerfile never set may come from the base
    image's ENV, which is not known here: it is kept as written.
    """
    if key in build_args:
        return build_args[key]
    if default is not None:
        return _expand(default, here, escape, keep_unset=in_stage)
    return global_scope.get(key)


def _env_pairs(instruction: Instruction, escape: str) -> list[tuple[str, str]]:
    """`ENV A=1 B="two words"`, or the legacy `ENV NAME the rest of the line`."""
    words = _words(instruction.arguments, escape)
    if words and "=" not in words[0]:
        name, *value = _BLANKS.split(instruction.arguments, maxsplit=1)
        if not value:
            raise _Invalid(f"ENV {name} needs a value")
        return [(name, value[0])]
    pairs = []
    for word in words:
        key, equals, raw = word.partition("=")
        if not equals or not key:
            raise _Invalid(f"ENV {word}: expected NAME=value")
        pairs.append((key, raw))
    if not pairs:
        raise _Invalid("ENV needs NAME=value")
    return pairs


_INDEX = re.compile(r"[+-]?[0-9]+")


def _sources(instruction: Instruction, names: list[str | None]) -> list[int | str]:
    """What COPY --from and RUN --mount from= read: a stage (its index) or an image."""
    if instruction.keyword == "COPY" and (ref := instruction.flag("from")):
        return [_source(ref, names, f"--from={ref}", indices=True)]
    if instruction.keyword == "RUN":
        refs = [_mount_from(mount) for mount in instruction.flag_values("mount")]
        return [_source(r, names, f"--mount from={r}", indices=False) for r in refs if r]
    return []  # only COPY has --from; ADD does not


def _source(ref: str, names: list[str | None], where: str, *, indices: bool) -> int | str:
    # BuildKit never expands variables here (an error since dockerfile 1.18,
    # a failing image name before): the FROM of an alias stage can.
    if "$" in ref[:-1]:
        raise _Invalid(
            f"{where}: BuildKit does not expand variables in --from; "
            "name the image in a stage (FROM ${IMAGE} AS <name>) and use that name"
        )
    if indices and _INDEX.fullmatch(ref):  # only COPY --from takes a stage index
        if 0 <= int(ref) < len(names):
            return int(ref)
        raise _Invalid(f"{where}: there is no stage {ref} (stages count from 0)")
    if ref.lower() in names:
        return max(i for i, name in enumerate(names) if name == ref.lower())
    return ref


def _mount_from(mount: str) -> str | None:
    """The from= field of a --mount value."""
    return _mount_fields(mount).get("from")


def _mount_fields(mount: str) -> dict[str, str]:
    """A --mount value's fields (CSV: type=cache,from=uv,target=/x), keys in lower case."""
    fields = {}
    for item in next(csv.reader([mount]), []):
        key, _, value = item.partition("=")
        fields[key.strip().lower()] = value
    return fields


# --------------------------------------------------- words and expansion ---


def _json_array(text: str) -> list[str] | None:
    """`["uvicorn", "app:app"]` as a list; None for the shell form.

    Like BuildKit, text that does not parse as an array of strings is a
    shell command.
    """
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def _words(text: str, escape: str) -> list[str]:
    """Split at blanks outside quotes, keeping quotes and escapes as written (parseWords)."""
    words, word, quote, i = [], "", "", 0
    while i < len(text):
        ch = text[i]
        if not quote and ch.isspace():
            if word:
                words.append(word)
            word, i = "", i + 1
            continue
        if ch == escape and quote != "'":  # nothing escapes inside '...'
            word, i = word + text[i : i + 2], i + 2
            continue
        if ch == quote:
            quote = ""
        elif not quote and ch in "'\"":
            quote = ch
        word, i = word + ch, i + 1
    return [*words, word] if word else words


_NAME = re.compile(r"[0-9]+|[@*#?$!\-]|\w*")  # as BuildKit's processName


def _name_at(word: str, i: int) -> str:
    match = _NAME.match(word, i)
    return match[0] if match else ""


def _expand(word: str, scope: Mapping[str, str], escape: str, *, keep_unset: bool = False) -> str:
    """`word` with quotes removed and $VAR, ${VAR}, ${VAR:-x}, ${VAR:+x}, ${VAR%x}... expanded.

    An unset variable is empty, or kept as written with `keep_unset`.
    """
    return _scan(word, 0, scope, escape, keep_unset, stop="")[0]


def _scan(
    word: str, i: int, scope: Mapping[str, str], escape: str, keep_unset: bool, stop: str
) -> tuple[str, int]:
    """Expand from word[i] to `stop` (or the end); the result and the index after it."""
    out: list[str] = []
    while i < len(word):
        ch = word[i]
        if stop and ch == stop:
            return "".join(out), i + 1
        if ch == "'":
            end = word.find("'", i + 1)
            if end < 0:
                raise _Invalid(f"unterminated single quote in {word!r}")
            out.append(word[i + 1 : end])
            i = end + 1
        elif ch == '"':
            piece, i = _double_quoted(word, i + 1, scope, escape, keep_unset)
            out.append(piece)
        elif ch == "$":
            piece, i = _dollar(word, i, scope, escape, keep_unset)
            out.append(piece)
        elif ch == escape:
            out.append(word[i + 1 : i + 2])
            i += 2
        else:
            out.append(ch)
            i += 1
    if stop:
        raise _Invalid(f"missing {stop!r} in {word!r}")
    return "".join(out), i


def _double_quoted(
    word: str, i: int, scope: Mapping[str, str], escape: str, keep_unset: bool
) -> tuple[str, int]:
    out: list[str] = []
    while i < len(word):
        ch = word[i]
        if ch == '"':
            return "".join(out), i + 1
        if ch == "$":
            piece, i = _dollar(word, i, scope, escape, keep_unset)
            out.append(piece)
        elif ch == escape and word[i + 1 : i + 2] in ('"', "$", escape):
            out.append(word[i + 1])
            i += 2
        else:  # any other escape stays, as in sh
            out.append(ch)
            i += 1
    raise _Invalid(f"unterminated double quote in {word!r}")


_OPERATORS = (":-", ":+", ":?", "##", "%%", "-", "+", "?", "#", "%")  # longest first


def _dollar(
    word: str, i: int, scope: Mapping[str, str], escape: str, keep_unset: bool
) -> tuple[str, int]:
    """The value of the reference at word[i] == "$", and the index after it."""
    start, i = i, i + 1
    if word[i : i + 1] != "{":
        name = _name_at(word, i)
        if not name:
            return "$", i
        i += len(name)
        if name in scope:
            return scope[name], i
        return (word[start:i] if keep_unset else ""), i
    i += 1
    if word[i : i + 1] in ("", "{", "}", ":"):
        raise _Invalid(f"bad substitution in {word!r}")
    name = _name_at(word, i)
    i += len(name)
    if word[i : i + 1] == "}":
        if name in scope:
            return scope[name], i + 1
        return (word[start : i + 1] if keep_unset else ""), i + 1
    operator = next((op for op in _OPERATORS if word.startswith(op, i)), None)
    if operator is None:
        raise _Invalid(f"unsupported substitution in {word!r}")
    argument, i = _scan(word, i + len(operator), scope, escape, keep_unset, stop="}")
    value = scope.get(name)
    if value is None and keep_unset:
        return word[start:i], i
    empty = value is None or (operator.startswith(":") and not value)
    match operator.lstrip(":")[0]:
        case "-":
            return (argument if empty else value or ""), i
        case "+":
            return ("" if empty else argument), i
        case "?":
            if empty:
                raise _Invalid(f"{name}: {argument or 'must be set'}")
            return value or "", i
        case _:
            return _trim(value or "", operator, argument), i


def _trim(value: str, operator: str, pattern: str) -> str:
    """${V#p} ${V##p} cut the shortest/longest matching prefix, ${V%p} ${V%%p} a suffix."""
    if operator.startswith("#"):
        cuts = [value[n:] for n in range(len(value) + 1) if fnmatchcase(value[:n], pattern)]
    else:
        cuts = [value[:n] for n in range(len(value), -1, -1) if fnmatchcase(value[n:], pattern)]
    if not cuts:
        return value
    return cuts[-1] if len(operator) == 2 else cuts[0]


# ------------------------------------------------ the previous interface ---


def parse_stages(text: str, build_args: Mapping[str, str]) -> list[Stage]:
    return list(parse(text, build_args).stages)


def external_bases(stages: list[Stage]) -> list[str]:
    """The FROM images of all `stages` (not earlier stages, not scratch), each once."""
    return list(dict.fromkeys(s.base for s in stages if s.parent is None and s.base != SCRATCH))


def final_base(stages: list[Stage], target: str | None = None) -> str | None:
    return Dockerfile(tuple(stages)).final_base(target) if stages else None
