"""Configuration from the environment, flaskr-style: one place that reads os.environ."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    neo4j_uri: str | None
    neo4j_user: str
    neo4j_password: str
    secret_key: str
    max_upload_bytes: int
    page_size_max: int
    login_attempts_per_minute: int
    cookie_secure: bool
    read_only: bool = False
    buffer_pool_mb: int = 1024
    checkpoint_mb: int = 16
    copy_threshold: int = 2000
    import_max_rows: int = 500_000
    import_max_unpacked_bytes: int = 200 * 1024 * 1024
    import_max_errors: int = 1000
    # Rows above which a change-log entry is stored as op "bulk" without rows (docs/projection.md).
    changelog_bulk_rows: int = 50_000
    # Projection parts built when a worker starts (docs/projection.md): None = every registered
    # part, () = none (each builds on first use), else these names in this order.
    projection_warm: tuple | None = None
    # Requests running the app at once in one worker (web/slots.py); 0 = as many as threads.
    compute_slots: int = 3
    extra: dict = field(default_factory=dict)
    # Login throttling (graphsvc/core/throttle.py) and sessions (graphsvc/core/sessions.py).
    login_failures_per_account: int = 10
    login_failures_per_address: int = 30
    login_failure_window_s: int = 900
    trusted_proxies: int = 0
    session_lifetime_s: int = 8 * 3600
    # "env" (GRAPHSVC_SECRET_KEY), "generated" (per data dir) or "given" (a caller's override)
    secret_source: str = "given"

    @property
    def engine(self) -> str:
        return "neo4j" if self.neo4j_uri else "ladybug"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "graph.lbdb"


def _db_bytes(db_path: Path) -> int:
    """The database's size on disk: its file (or directory) and the files beside it (the log)."""
    try:
        paths = [db_path] if db_path.is_file() else list(db_path.rglob("*")) if db_path.exists() else []
        size = sum(p.stat().st_size for p in paths if p.is_file())
        return size + sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + ".*") if p.is_file())
    except OSError:
        return 0


def buffer_pool_rule(db_path: Path, memory_bytes: int | None = None) -> int:
    """LadybugDB's buffer pool in MB: room for the whole database eight times over, at least
    2 GB, at most a quarter of the machine's memory (the projection and the workers need the
    rest; a machine too small for that gets 1 GB). GRAPHSVC_BUFFER_POOL_MB overrides.

    Why so much: a 1,000-row supplies import while eight clients read pages in working copies
    of the edge tables; with the 1 GB this rule gave the province demo (a 215 MB database), a
    serving run still had an import and three reads fail with "buffer pool is full" (issue #12),
    and none with 2 GB. The pool is claimed as pages are used, not at start.

    >>> buffer_pool_rule(Path("/nonexistent"), memory_bytes=24 * 2**30)
    2048
    >>> buffer_pool_rule(Path("/nonexistent"), memory_bytes=4 * 2**30)
    1024
    """
    if memory_bytes is None:
        try:
            memory_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            memory_bytes = 4 * 2**30
    want = max(2048, 8 * _db_bytes(db_path) // 2**20)
    return int(min(want, max(1024, memory_bytes // 4 // 2**20)))


def checkpoint_rule(db_bytes: int) -> int:
    """The write-ahead log's size in MB at which LadybugDB checkpoints (inside the commit that
    crosses it): an eighth of the database on disk, at least the engine's own 16 MB.
    GRAPHSVC_CHECKPOINT_MB overrides.

    Why: a checkpoint rewrites the parts of the tables the logged writes touched, and scattered
    supply upserts touch nearly all of them, so its cost follows the tables, not the log. On
    the national graph (1.6 GB) with 16 MB, every fourth 10k-row upsert paid 18-25 s and a
    stream of them kept 1.7k rows/s; a checkpoint of 61 MB of log took 27 s. A larger log
    costs memory until the checkpoint and time to replay after a crash, hence a fraction of
    the database (docs/domain-model.md, engine notes).

    >>> checkpoint_rule(215 * 2**20), checkpoint_rule(1600 * 2**20), checkpoint_rule(0)
    (26, 200, 16)
    """
    return max(16, db_bytes // 8 // 2**20)


def warm_parts(raw: str) -> tuple | None:
    """GRAPHSVC_PROJECTION_WARM: "all" (default) builds every projection part at worker start
    but those that build on first use (web.PROJECTION_ON_FIRST_USE), "none" none, else a
    comma-separated list of part names built in that order.

    >>> warm_parts("all"), warm_parts("none"), warm_parts(" local_supply, explore ")
    (None, (), ('local_supply', 'explore'))
    """
    raw = (raw or "all").strip()
    if raw == "all":
        return None
    if raw in ("none", "0", ""):
        return ()
    return tuple(n.strip() for n in raw.split(",") if n.strip())


def load(**overrides) -> Settings:
    """Read settings from GRAPHSVC_* variables; keyword overrides win (used by tests)."""
    # `./data` where the command runs (as the README says), not inside the installed package.
    data_dir = Path(os.environ.get("GRAPHSVC_DATA_DIR") or "data").absolute()
    secret = os.environ.get("GRAPHSVC_SECRET_KEY")
    source = "env"
    if not secret and "secret_key" not in overrides:
        # A per-data-dir key survives restarts (sessions stay valid) without a literal in code.
        secret, source = _persistent_secret(data_dir), "generated"
    values = dict(
        data_dir=data_dir,
        neo4j_uri=os.environ.get("GRAPHSVC_NEO4J_URI") or None,
        neo4j_user=os.environ.get("GRAPHSVC_NEO4J_USER", "neo4j"),
        neo4j_password=os.environ.get("GRAPHSVC_NEO4J_PASSWORD", ""),
        secret_key=secret,
        max_upload_bytes=_int("GRAPHSVC_MAX_UPLOAD_MB", 50) * 1024 * 1024,
        page_size_max=_int("GRAPHSVC_PAGE_SIZE_MAX", 500),
        login_attempts_per_minute=_int("GRAPHSVC_LOGIN_ATTEMPTS_PER_MINUTE", 10),
        cookie_secure=os.environ.get("GRAPHSVC_COOKIE_SECURE", "0") == "1",
        read_only=os.environ.get("GRAPHSVC_READ_ONLY", "0") == "1",
        # LadybugDB's default pool is most of the machine's memory; bound it explicitly.
        buffer_pool_mb=_int("GRAPHSVC_BUFFER_POOL_MB", 0),
        checkpoint_mb=_int("GRAPHSVC_CHECKPOINT_MB", 0),
        login_failures_per_account=_int("GRAPHSVC_LOGIN_FAILURES_PER_ACCOUNT", 10),
        login_failures_per_address=_int("GRAPHSVC_LOGIN_FAILURES_PER_ADDRESS", 30),
        login_failure_window_s=_int("GRAPHSVC_LOGIN_FAILURE_WINDOW_SECONDS", 900),
        trusted_proxies=_int("GRAPHSVC_TRUSTED_PROXIES", 0),
        session_lifetime_s=_int("GRAPHSVC_SESSION_HOURS", 8) * 3600,
        secret_source="given" if "secret_key" in overrides else source,
        # Rows per write above which LadybugDB gets one bulk COPY / LOAD FROM (tests lower it).
        copy_threshold=_int("GRAPHSVC_COPY_THRESHOLD", 2000),
        # Caps on one uploaded import (HTTP only): a small .xlsx can unpack to a million rows.
        import_max_rows=_int("GRAPHSVC_IMPORT_MAX_ROWS", 500_000),
        import_max_unpacked_bytes=_int("GRAPHSVC_IMPORT_MAX_UNPACKED_MB", 200) * 1024 * 1024,
        import_max_errors=_int("GRAPHSVC_IMPORT_MAX_ERRORS", 1000),
        changelog_bulk_rows=_int("GRAPHSVC_CHANGELOG_BULK_ROWS", 50_000),
        projection_warm=warm_parts(os.environ.get("GRAPHSVC_PROJECTION_WARM", "all")),
        compute_slots=_int("GRAPHSVC_COMPUTE_SLOTS", 3),
    )
    values.update(overrides)
    # Sized from the database the settings name (an overridden data_dir too), unless given.
    db = Path(values["data_dir"]) / "graph.lbdb"
    values["buffer_pool_mb"] = values["buffer_pool_mb"] or buffer_pool_rule(db)
    values["checkpoint_mb"] = values["checkpoint_mb"] or checkpoint_rule(_db_bytes(db))
    return Settings(**values)


def _persistent_secret(data_dir: Path) -> str:
    import secrets

    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        # Created 0600 from the start: no moment in which another user could read it.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key
    except OSError:
        # Unwritable data dir: the service still starts and /health reports the fault.
        return secrets.token_hex(32)
