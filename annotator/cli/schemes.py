"""`annotator scheme ...`: check, add, list and rename labels of labeling schemes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from annotator.cli.common import db_option, friendly_errors, open_store


@click.group("scheme")
def scheme_group() -> None:
    """Check, store and list labeling schemes (YAML)."""


@scheme_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path())
def scheme_check(files: tuple[str, ...]) -> None:
    """Validate scheme files (or shipped scheme names, or folders of .yaml files).

    Prints one `FILE:LINE:COL: message` line per problem on stderr and exits with status 2;
    a valid scheme gets a summary of its label sets per level (exit 0).
    """
    from annotator.core.scheme import (
        SchemeError,
        check_scheme,
        find_scheme_source,
        read_scheme_text,
    )

    paths: list[Path] = []
    failed = False
    for name in files:
        if Path(name).is_dir():
            found = sorted(p for p in Path(name).iterdir() if p.suffix in (".yaml", ".yml"))
            if not found:
                click.echo(f"{name}: no .yaml file in this folder", err=True)
                failed = True
            paths.extend(found)
            continue
        try:
            paths.append(find_scheme_source(name))
        except SchemeError as exc:
            click.echo(str(exc), err=True)
            failed = True
    for path in paths:
        try:
            text = read_scheme_text(path)
        except SchemeError as exc:
            click.echo(str(exc), err=True)
            failed = True
            continue
        scheme, problems = check_scheme(text, str(path))
        for p in problems:
            click.echo(str(p), err=True)
        if problems or scheme is None:
            n = len(problems)
            click.echo(f"{path}: {n} problem{'s' if n != 1 else ''}", err=True)
            failed = True
            continue
        click.echo(scheme_summary(str(path), scheme))
    if failed:
        sys.exit(2)


def scheme_summary(name: str, scheme: Any) -> str:
    """What a valid scheme holds: one line per label set, grouped by level."""
    lines = [f"{name}: ok: {scheme.name} v{scheme.version} ({scheme.language})"]
    for level in ("document", "sentence", "span"):
        sets = scheme.sets_at(level)
        if not sets:
            continue
        n_labels = sum(len(ls.labels) for ls in sets)
        lines.append(f"  {level}: {len(sets)} set(s), {n_labels} label(s)")
        for ls in sets:
            flags = [ls.scale]
            if ls.multiple:
                flags.append("multiple")
            if ls.required:
                flags.append("required")
            if ls.target:
                flags.append(f"target {ls.target}")
            keys = sum(1 for lab in ls.labels if lab.key)
            if keys:
                flags.append(f"{keys} quick key(s)")
            lines.append(
                f"    {ls.name:<24} {len(ls.labels):>3} labels  {', '.join(flags)}"
            )
            for attr in ls.attributes:
                lines.append(f"      attribute {attr.name}: {attribute_summary(attr)}")
    return "\n".join(lines)


def attribute_summary(attr: Any) -> str:
    """One attribute in a few words: open or its values, multiple, scale, aliases."""
    parts = ["open text" if attr.open else f"{len(attr.values)} values"]
    if attr.open and attr.values:
        parts.append(f"{len(attr.values)} suggested")
    if attr.multiple:
        parts.append("multiple")
    parts.append(attr.scale)
    if attr.aliases:
        parts.append(f"{sum(len(v) for _, v in attr.aliases)} alias(es)")
    return ", ".join(parts)


@scheme_group.command("add")
@click.argument("file", type=click.Path())
@db_option
@friendly_errors
def scheme_add(file: str, db_path: str) -> None:
    """Store a scheme (a file, or the name of a shipped scheme) with its YAML text and hash.

    A new version may add labels and label sets; one that removes or renames a label still in use
    is refused.
    """
    from annotator.core.scheme import find_scheme_source, load_scheme_file, parse_scheme

    scheme = load_scheme_file(find_scheme_source(file))
    store = open_store(db_path)
    previous = store.schemes.latest_row(scheme.name)
    scheme_id, created = store.schemes.add(scheme)
    state = "stored" if created else "already stored"
    click.echo(
        f"{scheme.name} v{scheme.version}: {state} (id {scheme_id}, sha256 {scheme.sha256[:12]})"
    )
    if created and previous is not None:
        old = parse_scheme(previous["yaml"], f"<stored {scheme.name} v{previous['version']}>")
        click.echo(f"  changes from v{previous['version']}: {scheme_changes(old, scheme)}")


def scheme_changes(old: Any, new: Any) -> str:
    """One line saying which labels a new scheme version adds and drops."""
    from annotator.core.scheme import incompatibilities

    def known(set_name: str, label: str) -> bool:
        ls = old.label_set(set_name)
        return ls is not None and ls.label(label) is not None

    added = [f"{ls.name}/{lab.name}" for ls in new.label_sets for lab in ls.labels
             if not known(ls.name, lab.name)]
    gone = [f"{s}/{lab}" if lab != "*" else f"{s} (level or multiple changed)"
            for s, lab in incompatibilities(old, new)]
    parts = [f"{len(added)} label(s) added"]
    if added:
        parts[0] += " (" + ", ".join(added[:8]) + (", ..." if len(added) > 8 else "") + ")"
    if gone:
        parts.append("changed or removed, unused so far: " + ", ".join(gone))
    parts.extend(attribute_changes(old, new))
    return "; ".join(parts)


def attribute_changes(old: Any, new: Any) -> list[str]:
    """What a new version changes in the attributes of labels (nothing said when none)."""
    from annotator.core.scheme import attribute_incompatibilities

    def known(set_name: str, attr: str) -> bool:
        ls = old.label_set(set_name)
        return ls is not None and ls.attribute(attr) is not None

    added = [f"{ls.name}/{a.name}" for ls in new.label_sets for a in ls.attributes
             if not known(ls.name, a.name)]
    gone = [f"{s}/{a}" + ("" if v == "*" else f"={v}")
            for s, a, v in attribute_incompatibilities(old, new)]
    out = [f"attribute(s) added: {', '.join(added)}"] if added else []
    if gone:
        out.append("attributes changed or removed, unused so far: " + ", ".join(gone))
    return out


@scheme_group.command("list")
@db_option
@click.option("--shipped", is_flag=True, help="List the schemes shipped with annotator instead.")
@friendly_errors
def scheme_list(db_path: str, shipped: bool) -> None:
    """List the schemes stored in the database (latest version, annotations made)."""
    if shipped:
        from annotator.core.scheme import shipped_schemes

        for name, path in sorted(shipped_schemes().items()):
            click.echo(f"{name}\t{path}")
        return
    store = open_store(db_path)
    rows = store.schemes.summary()
    if not rows:
        click.echo("no scheme stored (annotator scheme add FILE)")
    for r in rows:
        click.echo(
            f"{r['name']}\tv{r['version']}\t{r['versions']} version(s)\t"
            f"{r['annotations']} annotation(s)"
        )


@scheme_group.command("rename-label")
@click.argument("scheme_name")
@click.argument("label_set")
@click.argument("old")
@click.argument("new")
@db_option
@friendly_errors
def scheme_rename_label(scheme_name: str, label_set: str, old: str, new: str, db_path: str) -> None:
    """Rename a label in every stored annotation of a scheme (before storing a version that
    renames it)."""
    store = open_store(db_path, create=False)
    n = store.schemes.rename_label(scheme_name, label_set, old, new)
    click.echo(f"{n} annotation(s) of {scheme_name}/{label_set} renamed {old} -> {new}")


@scheme_group.command("from-qdc")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_path", type=click.Path(dir_okay=False),
              help="Write the scheme here (default: print it).")
@click.option("--name", help="The scheme's name (default: the file's name).")
@click.option("--level", type=click.Choice(["span", "sentence", "document"]), default="span",
              show_default=True,
              help="Level of the label sets, where the codebook does not say (ours does).")
@click.option("--label-set", "label_set", default="codes", show_default=True,
              help="The set of top-level codes that have no sub-codes.")
@friendly_errors
def scheme_from_qdc(file: str, out_path: str | None, name: str | None, level: str,
                    label_set: str) -> None:
    """Turn a REFI-QDA codebook (.qdc from MAXQDA, ATLAS.ti, NVivo, QualCoder, Taguette) into a
    scheme file: parent codes become label sets, their codes labels (colours, descriptions),
    `@NAME` folders attributes. Check the levels it guessed, then `annotator scheme add FILE`.
    Notes on what was guessed or left out go to stderr; the scheme is checked as `scheme
    check` would (exit 2 with its problems)."""
    from annotator.core.scheme import check_scheme
    from annotator.services.formats_in.qdc import CodebookError, scheme_from_codebook

    try:
        converted = scheme_from_codebook(Path(file), name=name, level=level,
                                         label_set=label_set)
    except CodebookError as exc:
        raise click.ClickException(str(exc)) from None
    for note in converted.notes:
        click.echo(f"note: {note}", err=True)
    where = out_path or "<scheme from " + Path(file).name + ">"
    _, problems = check_scheme(converted.yaml, where)
    if out_path:
        from annotator.services.export.common import atomic_file

        try:
            with atomic_file(Path(out_path)) as f:
                f.write(converted.yaml)
        except OSError as exc:
            raise click.ClickException(f"{out_path}: cannot write ({exc.strerror or exc})"
                                       ) from None
        click.echo(f"{out_path}: {converted.n_sets} label set(s), {converted.n_labels} "
                   f"label(s); next: annotator scheme add {out_path}", err=bool(problems))
    else:
        click.echo(converted.yaml, nl=False)
    for p in problems:
        click.echo(str(p), err=True)
    if problems:
        sys.exit(2)
