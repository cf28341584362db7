"""ftrack's query language: the syntax tree (`ftorm.query.ast`), its text, the parser and the
typed builder.

The package loads `ftorm.query.render` first: it names itself to `ftorm.query.ast` as the
writer of ``str(node)``, so the tree never imports the renderer above it.
"""

from ftorm.query import render as _render  # noqa: F401 - sets ast.use_renderer on load
