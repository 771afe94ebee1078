"""The Jinja environment chat templates run in: the immutable sandbox, with limits built in.

``GuardedSandbox`` is Jinja's ``ImmutableSandboxedEnvironment`` (no access to Python internals,
no mutation of inputs) that also makes every template it compiles run under
``template_limits.limits``: each loop pass and macro call checks the deadline (a ``tick``
compiled into the template: cheaper than a trace function, which would be called for every Python
call while the template renders), and every value a template makes that could be large is
reported, before it is made where one operation could allocate much:

- the operators ``* ** %`` (intercepted, so they are also never folded while compiling:
  ``{{ 'a' * 10**10 }}`` would otherwise allocate 10 GB in ``from_string``) and ``+`` (a chain
  of them, ``'<|im_start|>' + role + '\n' + content``, added up in one call and its result
  accounted for: it cannot make more than it was given, but repeated it doubles a text);
- ``~`` concatenation, list, tuple and dict literals (through the code generator);
- calls, with string methods that multiply text (``replace``, ``join``, ``expandtabs``,
  ``format``) estimated first, and filters, the same way;
- the output, joined with a budget.

The regular-expression filters ``urlize`` and ``striptags`` (quadratic on crafted text, and never
used by chat templates), ``wordwrap`` (a minute and hundreds of megabytes on a crafted call, before
its result can be measured) and the ``lipsum`` global are left out; so is ``str.encode`` (codecs such
as punycode are quadratic pure Python).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from app.core.template_estimates import (
    check_format,
    check_numbers,
    check_power,
    check_repeat,
    check_text_method,
    guarded_filter,
)
from app.core.template_limits import bounded_join, checked, current_run, given_size, limits, tick

_LEFT_OUT_FILTERS = frozenset({"urlize", "striptags", "wordwrap"})
# Filters whose result is no larger than what they are given and that take no width or count:
# left as they are (chat templates call some of them for every message).
_BOUNDED_FILTERS = frozenset({
    "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "filesizeformat",
    "first", "float", "forceescape", "groupby", "int", "items", "last", "length", "list", "lower", "map",
    "max", "min", "random", "reject", "rejectattr", "reverse", "round", "safe", "select", "selectattr",
    "sort", "string", "title", "trim", "truncate", "unique", "upper", "urlencode", "wordcount"})


class GuardedTemplate(jinja2.Template):
    """A compiled template whose every render runs under the limits."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        with limits(given=given_size(dict(*args, **kwargs))):
            return super().render(*args, **kwargs)


def _tick(lineno: int) -> nodes.Call:
    """A call of ``template_limits.tick`` (no template can write one: the parser never makes an
    environment attribute)."""
    return nodes.Call(nodes.EnvironmentAttribute("tick"), [], [], None, None, lineno=lineno)


class _GuardedCodeGenerator(CodeGenerator):
    """Jinja's code generator, adding the deadline ticks and routing ``~`` and container literals
    through the size checks."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        for repeated in node.find_all((nodes.For, nodes.Macro, nodes.CallBlock)):
            repeated.body.insert(0, nodes.ExprStmt(_tick(repeated.lineno), lineno=repeated.lineno))
            if isinstance(repeated, nodes.For) and repeated.test is not None:  # it runs for skipped items too
                repeated.test = nodes.And(_tick(repeated.lineno), repeated.test, lineno=repeated.lineno)
        super().visit_Template(node, frame)

    @optimizeconst
    def visit_Add(self, node: nodes.Add, frame: Frame) -> None:
        operands: list[nodes.Expr] = []
        while isinstance(node, nodes.Add):  # a + b + c is ((a + b) + c)
            operands.append(node.right)
            node = node.left
        self.write("environment.add_all(")
        for operand in (node, *reversed(operands)):
            self.visit(operand, frame)
            self.write(", ")
        self.write(")")

    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        if isinstance(node.node, nodes.EnvironmentAttribute) and node.node.name == "tick":
            self.write("environment.tick()")  # directly: not through the sandbox's call()
        else:
            super().visit_Call(node, frame, forward_caller=forward_caller)

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.concat_checked((")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write("))")

    def _checked_literal(self, node: nodes.Expr, frame: Frame, write: Callable[..., None]) -> None:
        if getattr(node, "ctx", "load") != "load":  # an assignment target, as in {% for a, b in x %}
            write(self, node, frame)
            return
        self.write("environment.checked(")
        write(self, node, frame)
        self.write(")")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self._checked_literal(node, frame, CodeGenerator.visit_List)

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        self._checked_literal(node, frame, CodeGenerator.visit_Tuple)

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self._checked_literal(node, frame, CodeGenerator.visit_Dict)


class GuardedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with time, size and depth limits (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**", "%"})
    code_generator_class = _GuardedCodeGenerator
    template_class = GuardedTemplate

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals.pop("lipsum", None)
        self.filters = {name: func if name in _BOUNDED_FILTERS else guarded_filter(name, func)
                        for name, func in self.filters.items() if name not in _LEFT_OUT_FILTERS}
        self.concat = bounded_join  # type: ignore[method-assign]
        self.checked, self.tick = checked, tick

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return not (isinstance(obj, str) and attr == "encode") and super().is_safe_attribute(obj, attr, value)

    @staticmethod
    def concat_checked(parts: Iterable[Any]) -> str:
        """``a ~ b ~ c``: each part made text, the whole within the budget."""
        return bounded_join(map(str, parts))

    @staticmethod
    def add_all(first: Any, *others: Any) -> Any:
        """``first + others[0] + others[1]...``, the result accounted for."""
        for other in others:
            first = first + other
        run = current_run()
        if type(first) is str:
            run.spend(len(first))
            return first
        return checked(first, run)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        run = current_run()
        if operator == "*":
            check_repeat(left, right, run)
        elif operator == "**":
            check_power(left, right)
        elif operator == "%" and isinstance(left, str):
            check_format(left, right if isinstance(right, tuple) else (right,), {}, run)
        result = self.binop_table[operator](left, right)
        if type(result) is str:
            run.spend(len(result))
            return result
        return checked(result, run)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        run = current_run()
        check_numbers((*args, *kwargs.values()), run)
        method = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by the sandbox
        owner = getattr(method, "__self__", None)
        if isinstance(owner, str) and isinstance(method, types.BuiltinMethodType):
            args = check_text_method(owner, method.__name__, args, kwargs, run)
        return checked(super().call(__context, __obj, *args, **kwargs), run)
