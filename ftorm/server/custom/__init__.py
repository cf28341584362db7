"""Custom attributes, embedded server: one item per configuration that applies.

- `ftorm.server.custom.reads`: what queries read: an entity's ``custom_attributes`` as the
  items of every configuration that applies (defaults included), the bare
  ``CustomAttributeValue`` as every stored value;
- `ftorm.server.custom.writes`: what a written value must satisfy, and which value type a
  bare value is stored as.

The other layers' parts: `ftorm.schema.custom` (ftrack's rules this server applies),
`ftorm.model.custom` and `ftorm.session.custom` (the client's side).
"""
