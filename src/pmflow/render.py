"""Jinja2 templates: pmflow's own (package files) or a team's overrides (`templates_dir`).

Templates from a repository are untrusted input, so every one of them renders in Jinja2's
`SandboxedEnvironment`: it cannot reach Python internals (`__class__`, `__globals__`, ...), nor
pmflow's token (templates see only the values passed to them). On top of the sandbox: `*` and
`**` cannot build huge values, output stops at RENDER_LIMIT characters, and any failure becomes a
TemplateError naming the template. (A template can still loop for long without output: the
templates directory is writable only by people who can also edit the repository's workflows.)
pmflow's own templates, where not overridden, render outside the sandbox from a loader that
reaches only the package, so no repository text runs there.
"""

from __future__ import annotations

import operator
import threading
from pathlib import Path
from typing import Any

import jinja2
from jinja2.nodes import EvalContext
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from pmflow.parse import neutralise_mentions

GITHUB_TEXT_LIMIT = 65_536
TRUNCATION_NOTE = (
    "\n\n_(pmflow shortened this text to stay within GitHub's 65,536-character limit.)_\n"
)


# Far beyond what GitHub keeps (65,536 characters): rendering stops there, then `truncate` cuts.
RENDER_LIMIT = 1_000_000


class TemplateError(RuntimeError):
    """A template that cannot be rendered; the message names the template."""


class _Sandbox(SandboxedEnvironment):
    """Jinja2's sandbox, also refusing `*` and `**` that would build huge values."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._safe: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Jinja2's answer depends only on the object's type and the attribute's name (and
        # never on `value`), so it is remembered: the check ran for every attribute a template
        # read, and was most of the time spent rendering an action issue's body.
        key = (type(obj), attr)
        safe = self._safe.get(key)
        if safe is None:
            safe = self._safe[key] = super().is_safe_attribute(obj, attr, value)
        return safe

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > 64:
                raise SecurityError("exponent too large in a template")
            return operator.pow(left, right)
        for value, times in ((left, right), (right, left)):
            sized = isinstance(value, str | list | tuple) and isinstance(times, int)
            if sized and len(value) * times > RENDER_LIMIT:
                raise SecurityError("repetition too large in a template")
        return super().call_binop(context, operator_name, left, right)


class _OwnContext(jinja2.runtime.Context):
    """Jinja2's Context, for pmflow's own templates: made in fewer steps when, as theirs, the
    template extends no other (no blocks to copy) and the environment has no globals."""

    def __init__(
        self,
        environment: jinja2.Environment,
        parent: dict[str, Any],
        name: str | None,
        blocks: dict[str, Any],
        globals: Any = None,
    ) -> None:
        if blocks or globals:
            super().__init__(environment, parent, name, blocks, globals)
            return
        self.parent = parent
        self.vars = {}
        self.environment = environment
        self.eval_ctx = EvalContext(environment, name)
        self.exported_vars = set()
        self.name = name
        self.globals_keys = set()
        self.blocks = {}


class _CompiledOnce(jinja2.BytecodeCache):
    """Each run builds a Renderer; templates are compiled once per process, not once per run.

    Keyed by template name and file, checked against the source's checksum: an edited template
    is compiled again.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with self._lock:
            self._code[bucket.key] = bucket.bytecode_to_string()


# One cache per kind of environment: the sandbox compiles `*` and `**` into calls the plain
# environment does not have.
_COMPILED_PACKAGED = _CompiledOnce()
_COMPILED_SANDBOXED = _CompiledOnce()
_OPTIONS: dict[str, Any] = {
    "autoescape": False,
    "undefined": jinja2.StrictUndefined,
    # A Renderer lives for one run: templates are read once, not checked on disk again before
    # each of the thousands of bodies a large run renders.
    "auto_reload": False,
    "keep_trailing_newline": True,
    "trim_blocks": True,
    "lstrip_blocks": True,
}


def truncate(text: str, limit: int = GITHUB_TEXT_LIMIT, keep_tail: str = "") -> str:
    """Keep `text` within GitHub's limit, saying so; `keep_tail` (a marker) always survives."""
    if len(text) <= limit:
        return text
    room = limit - len(TRUNCATION_NOTE) - len(keep_tail)
    return text[:room] + TRUNCATION_NOTE + keep_tail


def code_span(text: object) -> str:
    """Inline code that survives backticks inside the text."""
    value = str(text).replace("\r", " ").replace("\n", " ")
    longest = 0
    run = 0
    for char in value:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def table_cell(text: object) -> str:
    """Text safe inside a Markdown table cell, pinging nobody."""
    value = " ".join(str(text).split())
    return neutralise_mentions(value).replace("|", "\\|")


class Renderer:
    """Renders pmflow's packaged templates and a team's overrides (`templates_dir`).

    A repository's templates render in the sandbox, with output capped at RENDER_LIMIT.
    pmflow's own templates (those not overridden) render in a plain environment whose loader
    reaches only the package, so no repository text ever runs outside the sandbox: the sandbox's
    checks on every attribute were most of the time spent planning a large first sync.
    """

    def __init__(self, override_dir: Path | None = None) -> None:
        self.override_dir = override_dir if override_dir and override_dir.is_dir() else None
        packaged = jinja2.PackageLoader("pmflow", "templates")
        self._packaged = self._configured(
            jinja2.Environment(loader=packaged, bytecode_cache=_COMPILED_PACKAGED, **_OPTIONS)
        )
        # pmflow's templates use only the values passed to them: without Jinja2's globals
        # (`range`, `dict`, ...) a context needs no merging, which halves the cost of a render.
        self._packaged.globals.clear()
        self._packaged.context_class = _OwnContext
        self._overrides: dict[str, bool] = {}
        self._templates: dict[str, jinja2.Template] = {}  # pmflow's own, not overridden
        self._sandboxed = self._configured(
            _Sandbox(
                loader=jinja2.ChoiceLoader(
                    [jinja2.FileSystemLoader(str(self.override_dir)), packaged]
                    if self.override_dir is not None
                    else [packaged]
                ),
                bytecode_cache=_COMPILED_SANDBOXED,
                **_OPTIONS,
            )
        )

    @staticmethod
    def _configured(environment: jinja2.Environment) -> jinja2.Environment:
        environment.filters["no_mentions"] = neutralise_mentions
        environment.filters["code"] = code_span
        environment.filters["cell"] = table_cell
        return environment

    def _overridden(self, name: str) -> bool:
        if name not in self._overrides:  # asked once per template, not once per body
            directory = self.override_dir
            self._overrides[name] = directory is not None and (directory / name).is_file()
        return self._overrides[name]

    def _origin(self, name: str) -> str:
        if self._overridden(name):
            return f"template {name} (from {self.override_dir})"
        return f"template {name}"

    def render(self, name: str, **context: Any) -> str:
        try:
            # pmflow's own templates, where not overridden, are loaded once per run.
            template = self._templates.get(name)
            if template is None and not self._overridden(name):
                template = self._templates.setdefault(name, self._packaged.get_template(name))
            if template is not None:
                # What Template.render does, but with the context shared, not copied, and made
                # as Template.new_context makes it for a template without globals (the packaged
                # environment has none): without reading the empty globals' ChainMap each time.
                fresh = self._packaged.context_class(
                    self._packaged, context, template.name, template.blocks
                )
                return "".join(template.root_render_func(fresh))
            parts: list[str] = []
            size = 0
            for part in self._sandboxed.get_template(name).generate(**context):
                parts.append(part)
                size += len(part)
                if size > RENDER_LIMIT:
                    break  # GitHub keeps 65,536 characters; `truncate` says the rest was cut
            return "".join(parts)
        except SecurityError as error:
            raise TemplateError(
                f"{self._origin(name)} is not allowed to do that: {str(error).rstrip('.')}. "
                "Templates may use the values pmflow passes them, not Python's internals."
            ) from error
        except jinja2.TemplateError as error:
            where = f" (line {error.lineno})" if getattr(error, "lineno", None) else ""
            raise TemplateError(f"{self._origin(name)}{where}: {error}") from error
        except Exception as error:  # a broken or hostile template must not crash the run
            raise TemplateError(
                f"{self._origin(name)} failed: {type(error).__name__}: {error}"
            ) from error
