"""A small Sphinx extension for the rendered book (listed in ``_config.yml`` under ``extra_extensions``); a package,
since Sphinx finds an extension's ``setup`` by that name and ``varlib.setup`` is the library's own.

* **Each script once.** Sphinx 7.4 registers a script given only as a body (``add_js_file(None, body=...)``,
  as sphinx-thebe and sphinx-togglebutton do) under the name ``None`` at once and under ``''`` again when the
  pages are written, so every page declared ``const THEBE_JS_URL`` twice: a console error on every page. The
  second copy is dropped before a page is rendered.
* **Alt text from captions.** A figure's image gets its caption as alt text when it has none (myst-nb's figures
  from cell metadata carry only a caption), so a screen reader reads what the figure shows; TeX commands lose
  their backslash.
"""
from __future__ import annotations

import re

from docutils import nodes

__all__ = ["setup", "unique_scripts", "alt_from_captions"]


def _script_key(script) -> tuple:
    """What makes two registered scripts the same: the file (``None`` and ``''`` alike) and its attributes."""
    attributes = getattr(script, "attributes", {})
    return (getattr(script, "filename", script) or "", tuple(sorted((k, str(v)) for k, v in attributes.items())))


def unique_scripts(app, pagename, templatename, context, doctree) -> None:
    """Drop repeated scripts from the page's list, keeping the first of each."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def alt_from_captions(app, doctree, docname) -> None:
    """Every image in a captioned figure without alt text gets the caption's text."""
    for figure in doctree.findall(nodes.figure):
        captions = list(figure.findall(nodes.caption))
        if not captions:
            continue
        text = re.sub(r"\\([A-Za-z]+)", r"\1", " ".join(captions[0].astext().split()))   # \rho reads "rho"
        for image in figure.findall(nodes.image):
            if not image.get("alt"):
                image["alt"] = text


def setup(app):
    app.connect("html-page-context", unique_scripts, priority=900)
    app.connect("doctree-resolved", alt_from_captions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
