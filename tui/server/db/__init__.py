"""The app server's database: SQLite files in the data dir (the embedded default) or a
shared PostgreSQL (`serve --database-url postgresql://...`), behind one small layer.

- `engine.py`: `Database`, one connection to either engine with the same calls: SQL is
  written once with `?` placeholders and portable types (TEXT, BIGINT, DOUBLE PRECISION,
  ON CONFLICT upserts, RETURNING); the few differences are handled there, nowhere else.
- `migrations.py`: numbered schema steps per component, recorded in `schema_migrations`
  and applied at start.
- `where.py`: `DatabaseTarget`, which engine and where, from the settings.
- `url.py`: a Postgres URL in words without its password (`redacted`, `masked` for the
  driver's own words, `url_problem` for a URL it cannot read).
"""

from tui.server.db.engine import DB_ERRORS, Database, DatabaseUnavailable
from tui.server.db.migrations import SchemaTooNew, Step, migrate
from tui.server.db.where import DatabaseTarget

__all__ = [
    "DB_ERRORS",
    "Database",
    "DatabaseTarget",
    "DatabaseUnavailable",
    "SchemaTooNew",
    "Step",
    "migrate",
]
