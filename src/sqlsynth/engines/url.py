"""Database URLs for the engines: which engine, which file or server, and how to show the URL.

Accepted forms (SQLAlchemy's conventions, so the same URL works in both):

- `sqlite:///relative.db`, `sqlite:////abs/path.db`, `sqlite:///:memory:` (or `sqlite://`);
- `duckdb:///relative.duckdb`, `duckdb:////abs/path.duckdb`, `duckdb:///:memory:`;
- `postgresql://user:pw@host:port/db`, `postgres://...`, `postgresql+psycopg://...` (any `+driver`);
- a bare file name ending in .sqlite/.sqlite3/.db (SQLite) or .duckdb (DuckDB).

The password of a URL is never shown: `mask_url` replaces it by `***` wherever a URL is printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from sqlsynth.errors import EngineError

SCHEMES = {"sqlite": "sqlite", "duckdb": "duckdb", "postgresql": "postgres", "postgres": "postgres"}
FILE_SUFFIXES = {".sqlite": "sqlite", ".sqlite3": "sqlite", ".db": "sqlite", ".duckdb": "duckdb"}
MEMORY = ":memory:"


def mask_url(url: str) -> str:
    """The URL with its password replaced by `***` (a URL without one is returned unchanged)."""
    if "://" not in url:
        return url
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # a malformed netloc (bad port...): hide everything between :// and @
        head, rest = url.split("://", 1)
        netloc, sep, tail = rest.partition("/")
        if "@" in netloc:
            netloc = "***@" + netloc.rsplit("@", 1)[1]
        return f"{head}://{netloc}{sep}{tail}"
    if password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


@dataclass(frozen=True)
class EngineURL:
    """A parsed database URL.

    `kind` is "sqlite", "duckdb" or "postgres"; `path` the database file (None for PostgreSQL, or
    ":memory:"); `conninfo` what libpq gets for PostgreSQL (the URL with the SQLAlchemy `+driver`
    removed); `display` the URL with its password masked, for messages.
    """

    kind: str
    url: str
    path: str | None = None
    conninfo: str | None = None

    @property
    def display(self) -> str:
        return mask_url(self.url)

    @property
    def in_memory(self) -> bool:
        return self.path == MEMORY

    @property
    def database(self) -> str:
        """The database name of a server URL (its path, unquoted; "" if none)."""
        return unquote(urlsplit(self.url).path.lstrip("/"))

    @property
    def password(self) -> str | None:
        """The URL's password, to mask should a driver echo it in an error."""
        try:
            return urlsplit(self.url).password
        except ValueError:
            return None


def parse_url(url: str | Path) -> EngineURL:
    """Parse a database URL (or a database file name); raise EngineError if it names no engine."""
    text = str(url).strip()
    if "://" not in text:
        kind = FILE_SUFFIXES.get(Path(text).suffix.lower())
        if kind is None:
            raise EngineError(
                "not a database URL; use sqlite:///file.db, duckdb:///file.duckdb, "
                "postgresql://user@host/db or a .sqlite/.db/.duckdb file name",
                where=mask_url(text),
            )
        return EngineURL(kind, text, path=text)
    scheme, rest = text.split("://", 1)
    kind = SCHEMES.get(scheme.split("+", 1)[0].lower())
    if kind is None:
        raise EngineError(
            f"unsupported URL scheme {scheme!r}; use sqlite://, duckdb:// or postgresql://",
            where=mask_url(text),
        )
    if kind == "postgres":
        return EngineURL(kind, text, conninfo=f"postgresql://{rest}")
    # SQLAlchemy: sqlite:///rel.db is relative, sqlite:////abs.db absolute, sqlite:// in memory.
    if rest and not rest.startswith("/"):
        raise EngineError(
            f"a {kind} URL has three slashes before a relative path ({kind}:///file) "
            f"and four before an absolute one ({kind}:////abs/file)",
            where=mask_url(text),
        )
    path = unquote(rest[1:].split("?", 1)[0]) if rest else MEMORY
    return EngineURL(kind, text, path=path or MEMORY)


ERROR_MAX_CHARS = 300


def short_error(err: BaseException | str, *, secret: str | None = None) -> str:
    """An error as one short line: the first non-empty line, at most ERROR_MAX_CHARS characters,
    with `secret` (a password) masked should the driver have echoed it."""
    text = str(err).strip()
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if not line:
        line = type(err).__name__ if isinstance(err, BaseException) else "error"
    if secret:
        line = line.replace(secret, "***")
    return line if len(line) <= ERROR_MAX_CHARS else line[: ERROR_MAX_CHARS - 3] + "..."


def timeout_message(timeout_s: float | None) -> str:
    """The error text of a statement stopped by its timeout (the same on every engine)."""
    return f"timed out after {timeout_s:g} s"
