"""Diagrams (流程图): Mermaid and Graphviz DOT source for a workflow, from transitions' own backends.

Why transitions' backends: the engine already compiles every workflow into a `transitions`
machine, and its diagram extension (`GraphMachine`, engines ``"mermaid"`` and ``"graphviz"``)
knows how to lay a machine out as text. govflow builds a throw-away, model-less `GraphMachine`
from the definition — the flat one, or for a workflow with compound states a
`HierarchicalGraphMachine` whose separator is govflow's ``.`` (its default ``_`` would split
ordinary names such as ``fao_review``) — gives states and edges govflow's labels, and asks the
backend's graph object for its source without rendering anything. A compound state is a
cluster around its sub-states; a transition declared on it is drawn once, from the cluster.

What the backends cannot do, and how it is handled (each kept minimal):

- States carry no label in `transitions.State`; a small state class adds one (the `label`
  attribute the markup already reads), so nodes show ``name (中文标签)``.
- The flat graph does not mark final states. A ``final`` node style is added (both engines),
  and Mermaid's ``state --> [*]`` lines for final states are appended to its text, after the
  ``[*] --> initial`` line the backend writes itself.
- The Mermaid backend writes the title as bare front matter, which Mermaid ignores; passing the
  title as ``title: …`` makes it a real YAML front-matter title. DOT takes the title as is.
- The Mermaid backend leaves indentation on its blank lines; trailing spaces are stripped so the
  text can sit in a docstring or Markdown file that linters check.
- Mermaid ends an edge description at ``:`` or ``;`` and reads ``#`` as an entity, and a state
  label sits in double quotes: those characters are replaced by full-width forms in the labels
  handed to the Mermaid backend (DOT quoting is done by the graphviz package).

Deadlines (时限) are drawn where people look for them: in DOT as extra lines of the state's box,
in Mermaid as a ``note right of`` the state (notes are Mermaid's place for text beside a state).
Separation-of-duty rules are part of the edge label, after ``分离``.

The current state of an instance is highlighted with the backends' own ``active`` style.
Output depends only on the definition's order, so it is deterministic.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from transitions import State as MachineState
from transitions.extensions.diagrams import GraphMachine, HierarchicalGraphMachine
from transitions.extensions.nesting import NestedState

from govflow.deadlines import describe
from govflow.definition import SEPARATOR, State, Transition, Workflow
from govflow.errors import GovflowError

FORMATS = ("mermaid", "dot")
"""Diagram formats `render` accepts."""

_MERMAID_UNSAFE = str.maketrans({":": "：", ";": "；", "#": "＃", '"': "＂"})


class _LabelledState(MachineState):
    """A transitions state with the `label` the diagram markup reads (core states have none)."""

    def __init__(self, *args: Any, label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label = label


def _styles() -> dict[str, Any]:
    styles: dict[str, Any] = copy.deepcopy(GraphMachine.style_attributes)
    styles["node"]["final"] = {"color": "black", "fillcolor": "lightgrey", "peripheries": "2"}
    return styles


class _DiagramMachine(GraphMachine):
    """A model-less GraphMachine used only to produce diagram source, never to run anything."""

    state_cls = _LabelledState
    style_attributes = _styles()


class _LabelledNestedState(NestedState):
    """A nested state with a label, and govflow's path separator."""

    separator = SEPARATOR

    def __init__(self, *args: Any, label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label = label


class _NestedDiagramMachine(HierarchicalGraphMachine):
    """The hierarchical twin of `_DiagramMachine`, for workflows with compound states: each
    compound state is drawn as a cluster around its sub-states."""

    state_cls = _LabelledNestedState
    style_attributes = _styles()


def edge_label(t: Transition) -> str:
    """`event (label) [roles]`, then hard guards after ``if`` and soft ones after ``原则上``."""
    roles = t.roles_text.replace("*", "any")
    text = f"{t.display} [{roles}]"
    if t.guards:
        text += " if " + ", ".join(g.name for g in t.guards)
    if t.soft_guards:
        text += " 原则上 " + ", ".join(g.name for g in t.soft_guards)
    if t.separation:
        text += " 分离 " + ", ".join(rule.name for rule in t.separation)
    if t.history:
        text += " resumes history"
    return text


def deadline_lines(state: State) -> list[str]:
    """One line per deadline or recurring duty of `state`: ``name: rule, counted; when due``."""
    lines = []
    for spec in state.deadlines:
        rule, counted, when = describe(spec)
        lines.append(f"{spec.display}: {rule}, {counted}; {when}")
    return lines


def _title(workflow: Workflow) -> str:
    title = f"{workflow.name} v{workflow.version}"
    return f"{title} ({workflow.title})" if workflow.title else title


def _graph(workflow: Workflow, engine: Literal["mermaid", "graphviz"], current: str | None, clean: bool) -> Any:
    def safe(text: str) -> str:
        return text.translate(_MERMAID_UNSAFE) if clean else text

    def label(s: State) -> str:
        if clean:  # Mermaid: deadlines go into notes (see `mermaid`)
            return safe(s.display)
        return "\n".join([s.display, *deadline_lines(s)])

    def tree(states: tuple[State, ...]) -> list[dict[str, Any]]:
        return [
            {"name": s.name, "label": label(s), "final": s.final, "children": tree(s.states),
             "initial": next((c.name for c in s.states if c.initial), None)} if s.states
            else {"name": s.name, "label": label(s), "final": s.final}
            for s in states
        ]  # fmt: skip

    machine = (_NestedDiagramMachine if workflow.compound else _DiagramMachine)(
        model=None,
        states=tree(workflow.states),
        initial=workflow.initial.name,
        auto_transitions=False,
        graph_engine=engine,
        title=_title(workflow),
    )
    if engine == "graphviz" and not machine.graph_cls.__module__.endswith("diagrams_graphviz"):
        raise GovflowError("DOT output needs the 'graphviz' Python package (pip install graphviz)")
    for t in workflow.transitions:
        # A compound source is drawn once, from its cluster; "*" is drawn from every state it covers.
        sources = t.source if workflow.compound and "*" not in t.source else workflow.sources(t)
        for source in sources:
            machine.add_transition(t.event, source, t.dest, label=safe(edge_label(t)))
    graph = machine.graph_cls(machine)
    for state in workflow.leaves:
        if state.final:
            graph.set_node_style(state.name, "final")
    if current is not None:
        try:
            workflow.state(current)
        except KeyError:
            raise GovflowError(
                f"workflow {workflow.name!r} v{workflow.version} has no state {current!r} to highlight"
            ) from None
        graph.set_node_style(current, "active")
    return graph


def mermaid(workflow: Workflow, current: str | None = None) -> str:
    """Mermaid ``stateDiagram-v2`` source; `current` (a state name) is highlighted."""
    graph = _graph(workflow, "mermaid", current, clean=True)
    source: str = graph.get_graph(title="title: " + _title(workflow).translate(_MERMAID_UNSAFE)).source
    lines = [line.rstrip() for line in source.split("\n")]
    indent = lines[-1][: len(lines[-1]) - len(lines[-1].lstrip())]
    if not workflow.compound:  # the hierarchical backend writes these lines itself
        lines.extend(f"{indent}{state.name} --> [*]" for state in workflow.states if state.final)
    for state in workflow.nodes:
        for line in deadline_lines(state):
            lines.append(f"{indent}note right of {state.name} : {safe_note(line)}")
    return "\n".join(lines) + "\n"


def safe_note(text: str) -> str:
    """A note's text for Mermaid: its own separators replaced by full-width forms."""
    return text.translate(_MERMAID_UNSAFE)


def dot(workflow: Workflow, current: str | None = None) -> str:
    """Graphviz DOT source; `current` (a state name) is highlighted."""
    graph = _graph(workflow, "graphviz", current, clean=False)
    source: str = graph.get_graph(title=_title(workflow)).source
    return source


def render(workflow: Workflow, fmt: str = "mermaid", current: str | None = None) -> str:
    """Diagram source in `fmt` (``"mermaid"`` or ``"dot"``)."""
    if fmt == "mermaid":
        return mermaid(workflow, current)
    if fmt == "dot":
        return dot(workflow, current)
    raise GovflowError(f"unknown diagram format {fmt!r} (use one of: {', '.join(FORMATS)})")
