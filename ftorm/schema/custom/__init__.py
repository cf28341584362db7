"""Custom attributes, schema layer: ftrack's facts and rules, shared by client and server.

- `ftorm.schema.custom.rules`: ftrack's rules: the entity type names (configurations, their
  kinds of value, value types), which configurations apply to an entity (`applies`), which
  values each kind accepts on the server (`check_value`);
- `ftorm.schema.custom.configurations`: a configuration as clients use it (`Configuration`),
  its values' Python type, the ``--dump-custom-attributes`` file;
- `ftorm.schema.custom.codegen`: the namespace classes a generated model module declares.

The other layers' parts: `ftorm.model.custom` (``shot.custom``, values, query columns,
inherited values), `ftorm.session.custom` (a session's configurations and inherited values),
`ftorm.server.custom` (the embedded server's reads and writes).
"""
