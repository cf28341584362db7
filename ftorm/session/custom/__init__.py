"""Custom attributes, session layer: what a session fetches and keeps.

- `ftorm.session.custom.configurations`: the server's configurations, read once when first
  needed (`Configurations`), and the check that a query tests only keys they know;
- `ftorm.session.custom.inheritance`: inherited values (`Hierarchy`): each entity's chain of
  ancestors, their stored values, kept up to date after a commit.

The other layers' parts: `ftorm.schema.custom` (ftrack's rules, configurations, the generated
namespaces), `ftorm.model.custom` (``shot.custom``, values, query columns, the inherited view),
`ftorm.server.custom` (the embedded server's reads and writes).
"""
