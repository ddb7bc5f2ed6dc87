"""Discourse networks as files: a CSV edge list (Gephi's Source,Target,Weight,Type columns, so it
imports as is), GraphML and GEXF (through networkx, the ``[network]`` extra); and the report's
actor x outlet table as text.

Node attribute ``variable`` says which variable a node belongs to (two-mode networks have both);
``bipartite`` is 0 for var1 and 1 for var2, networkx's and Gephi's convention. Weights are
written exactly (no rounding), so the files hold DNA's numbers.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from annotator.core.network import Network
from annotator.core.untrusted import escape

NETWORKX_HINT = ("graphml and gexf need networkx: pip install 'annotator[network]' "
                 "(or use --format csv)")


def edge_csv(networks: list[Network], windowed: bool) -> str:
    """One row per tie; with time windows, each window's ties with its first and last day."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Source", "Target", "Weight", "Type"] + (["Start", "End", "Statements"]
                                                         if windowed else []))
    for net in networks:
        kind = "Undirected" if net.one_mode else "Directed"
        extra = [net.start.isoformat() if net.start else "",
                 net.stop.isoformat() if net.stop else "", net.n_statements] if windowed else []
        for a, b, weight in net.edges():
            w.writerow([a, b, _number(weight), kind, *extra])
    return buf.getvalue()


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def graph(net: Network, var1: str, var2: str) -> Any:
    """A networkx Graph of one network (ImportError without the extra)."""
    import networkx as nx

    g = nx.Graph()
    if net.start is not None:
        g.graph["start"], g.graph["end"] = net.start.isoformat(), (
            net.stop.isoformat() if net.stop else "")
    g.graph["statements"] = net.n_statements
    # Two-mode node names may coincide across variables (an actor and a target both "Russia"):
    # node ids carry the variable, labels the name.
    def node(name: str, variable: str, side: int) -> str:
        key = name if net.one_mode else f"{variable}:{name}"
        if key not in g:
            g.add_node(key, label=name, variable=variable, bipartite=side)
        return key

    for name in net.rows:
        node(name, var1, 0)
    if not net.one_mode:
        for name in net.cols:
            node(name, var2, 1)
    for a, b, weight in net.edges():
        g.add_edge(node(a, var1, 0), node(b, var1 if net.one_mode else var2,
                                          0 if net.one_mode else 1), weight=float(weight))
    return g


def graph_text(net: Network, var1: str, var2: str, fmt: str) -> str:
    import networkx as nx

    g = graph(net, var1, var2)
    lines = nx.generate_graphml(g) if fmt == "graphml" else nx.generate_gexf(g)
    return "\n".join(lines) + "\n"


def actor_outlet_text(table: Any) -> str:
    """The report's section "who is quoted where" (a services.network.Crosstab), in the report's
    own style: a blank line, the title underlined, the table."""
    title = f"Statements by {table.attribute} and outlet (who is quoted where)"
    return "\n" + title + "\n" + "=" * len(title) + "\n" + crosstab_text(
        table.rows, table.cols, table.counts, table.attribute)


def crosstab_text(rows: tuple[str, ...], cols: tuple[str, ...], counts: list[list[int]],
                  row_title: str, col_title: str = "outlet") -> str:
    """A plain text table: rows, one column per outlet, and totals. Names are escaped before
    the widths are measured (a control character printed as ``\\uXXXX`` is six wide)."""
    head = [f"{row_title} \\ {col_title}", *(escape(c) for c in cols), "total"]
    body = [[escape(r), *(str(c) for c in cs), str(sum(cs))]
            for r, cs in zip(rows, counts, strict=True)]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]

    def fmt(line: list[str]) -> str:
        return "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                         for i, cell in enumerate(line)).rstrip()

    return "\n".join([fmt(head), *(fmt(line) for line in body)]) + "\n"
