"""The database, split by what the data is: the only package that imports sqlite3/sqlite_utils.

- ``connection``: open, pragmas, transactions, writability, backups, one-line errors
- ``migrations``: m001, m002, ... (never edit an applied one)
- ``corpus``: documents and sentences (import, navigation, search)
- ``schemes``: scheme versions and annotators
- ``annotations``: annotations and the event log (undo/redo)
- ``attributes``: attribute values of annotations (logged and undone through the event log)
- ``progress``: seen/done marks, positions, time
- ``adjudications``: gold decisions
- ``assignments``: campaign assignments (who codes which document)
- ``columnar``: bulk reads for statistics (numpy arrays)
- ``maintenance``: integrity and consistency checks and repairs (`doctor`)
- ``tokens``: access tokens of ``annotator serve`` (hashed; they decide the annotator)

``annotator.store.Store`` opens a database and holds one of each part.
"""
