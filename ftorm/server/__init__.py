"""The embedded ftrack-compatible server: SQLite storage driven by any ftrack schema.

`ftorm.server.handlers.Server` answers operation batches; `ftorm.server.wsgi` serves it over
HTTP (``ftorm serve``); `ftorm.transport.inprocess.InProcessTransport` calls it directly.
"""
