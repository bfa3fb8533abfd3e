"""Let psycopg send and read numpy arrays as pgvector's `extensions.vector`.

pgvector's own `register_vector` looks the type up by its unqualified name (not on our
search path) and through `regtype` (which needs USAGE on the `extensions` schema, which the
gateway's login role does not have), so the type is found in the catalog instead and handed
to pgvector's adapter.
"""

from __future__ import annotations

import psycopg
from pgvector.psycopg.vector import register_vector_info
from psycopg.types import TypeInfo

_VECTOR_TYPE_SQL = """
select t.oid, t.typarray from pg_type t
join pg_namespace n on n.oid = t.typnamespace
where n.nspname = 'extensions' and t.typname = 'vector'
"""


def register(conn: psycopg.Connection) -> bool:
    """Register the adapter on `conn`; False when the extension is not installed (yet)."""
    row = conn.execute(_VECTOR_TYPE_SQL).fetchone()
    if row is None:
        return False
    register_vector_info(conn, TypeInfo("vector", row[0], row[1]))
    return True
