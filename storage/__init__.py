"""Storage: the only code that talks SQL.

* ``storage.db`` — ``make_engine(url)``, ``connect(url)``, ``upgrade(url_or_engine)``,
  ``session(engine)``.
* ``storage.models`` — the tables (``Collectivity``, ``SourceItem``, ``Document``,
  ``Flag``, ``AuditEntry``, ``DossierState``); the schema comes from ``storage/migrations``.
* ``storage.crud`` — audited reads and changes, plain functions taking a ``Session``.
* ``storage.audit`` — ``record(...)`` and ``entries(...)`` of the append-only audit log.
* ``storage.files`` — ``FileStore``, the content-addressed store of received bytes.
* ``storage.roster`` — ``parse_roster_csv`` and ``import_roster``.
"""
