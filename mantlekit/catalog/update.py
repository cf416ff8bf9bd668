"""Refresh the user catalog from AWS's programmatic Service Authorization Reference.

All or nothing: every service document is fetched and checked, the new catalog is written to a temporary
directory next to the target, read back, and only then renamed into place. Any failure leaves the
installed catalog as it was. Only :mod:`urllib` is used.
"""

from __future__ import annotations

import http.client
import json
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mantlekit import __version__
from mantlekit.catalog.convert import (
    SourceFormatError,
    carry_retired,
    from_service_reference,
    overlay_facts,
    parse_reference_index,
)
from mantlekit.catalog.model import INDEX_FILE, CatalogFormatError, ServiceInfo, write_catalog
from mantlekit.catalog.store import Catalog, bundled_catalog, get_catalog, user_catalog_dir

DEFAULT_URL = "https://servicereference.us-east-1.amazonaws.com/"
DEFAULT_TIMEOUT = 30.0
DEFAULT_WORKERS = 16
MAX_BYTES = 64 * 1024 * 1024
NOTE = (
    "Fetched from AWS's programmatic Service Authorization Reference; bedrock-mantle merged with mantlekit.facts. "
    "Actions and services the replaced catalog knew and the reference no longer lists are kept as retired; "
    "the RCP service list is carried over from the replaced catalog (the reference does not publish it)."
)


class UpdateError(Exception):
    """The update could not be completed; the message names the URL or path and the reason."""


@dataclass(frozen=True)
class UpdateResult:
    directory: Path
    date: str
    services: int
    actions: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    previous_date: str

    def summary(self) -> str:
        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        change = (
            f"+{n(len(self.added), 'action')}, -{n(len(self.removed), 'action')}"
            if self.added or self.removed
            else "no actions added or removed"
        )
        return (
            f"catalog updated: {n(self.services, 'service')}, {n(self.actions, 'action')} "
            f"({change} vs the {self.previous_date} catalog) in {self.directory}"
        )


def _retryable(e: BaseException) -> bool:
    if isinstance(e, urllib.error.HTTPError):
        return e.code >= 500 or e.code == 429
    return isinstance(e, urllib.error.URLError | TimeoutError | ConnectionError | http.client.HTTPException)


def fetch_json(url: str, timeout: float = DEFAULT_TIMEOUT, retries: int = 1) -> object:
    """GET ``url`` and parse it as JSON; UpdateError with the URL and the reason on any failure."""
    req = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": f"mantlekit/{__version__} (catalog update)"}
    )
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                body = resp.read(MAX_BYTES + 1)
            break
        except (OSError, http.client.HTTPException, ValueError) as e:
            if attempt < retries and _retryable(e):
                time.sleep(0.2 * (attempt + 1))
                continue
            raise UpdateError(f"{url}: {_describe(e, timeout)}") from e
    if len(body) > MAX_BYTES:
        raise UpdateError(f"{url}: answer larger than {MAX_BYTES // 2**20} MB")
    try:
        return json.loads(body)
    except ValueError as e:
        raise UpdateError(f"{url}: malformed JSON ({e})") from e


def _describe(e: BaseException, timeout: float) -> str:
    if isinstance(e, urllib.error.HTTPError):
        return f"HTTP {e.code} {e.reason}".rstrip()
    reason = e.reason if isinstance(e, urllib.error.URLError) else e
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    return f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__


def _previous_catalog(target: Path) -> Catalog:
    """The catalog being replaced: the one in ``target`` when readable, else the bundled one."""
    if (target / INDEX_FILE).is_file():
        try:
            return Catalog(target)
        except (OSError, CatalogFormatError):
            pass
    return bundled_catalog()


def _previous_service(previous: Catalog, prefix: str) -> ServiceInfo | None:
    try:
        return previous.service(prefix)
    except (OSError, CatalogFormatError):
        return None


def _action_names(cat: Catalog) -> dict[str, str]:
    names: dict[str, str] = {}
    for p in cat.prefixes():
        try:
            svc = cat.service(p)
        except CatalogFormatError:
            continue
        if svc is not None:
            names.update((a.full_name.lower(), a.full_name) for a in svc.actions.values())
    return names


def fetch_services(
    url: str = DEFAULT_URL,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int = DEFAULT_WORKERS,
    previous: Catalog | None = None,
) -> dict[str, ServiceInfo]:
    """Every service of the reference at ``url`` (its index), converted; bedrock-mantle merged with facts."""
    try:
        entries = parse_reference_index(fetch_json(url, timeout))
    except SourceFormatError as e:
        raise UpdateError(f"{url}: malformed index ({e})") from e
    todo = dict(entries)  # a prefix listed twice: the last entry wins

    def one(prefix: str, rel: str) -> ServiceInfo:
        service_url = urllib.parse.urljoin(url, rel)
        doc = fetch_json(service_url, timeout)
        prev = _previous_service(previous, prefix) if previous and prefix in previous.prefixes() else None
        try:
            return from_service_reference(doc, prefix, prev)
        except SourceFormatError as e:
            raise UpdateError(f"{service_url}: malformed service document ({e})") from e

    services: dict[str, ServiceInfo] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="catalog-update")
    try:
        futures = {pool.submit(one, p, u): p for p, u in todo.items()}
        for f in as_completed(futures):
            services[futures[f]] = f.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    overlay_facts(services)
    return services


def update_catalog(
    catalog_dir: str | Path | None = None,
    *,
    url: str = DEFAULT_URL,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int = DEFAULT_WORKERS,
    date: str | None = None,
) -> UpdateResult:
    """Fetch the whole reference and replace the catalog in ``catalog_dir`` (default: the user catalog dir).
    Raises UpdateError, leaving the installed catalog untouched."""
    target = Path(catalog_dir).expanduser() if catalog_dir is not None else user_catalog_dir()
    target = target.absolute()
    if target.exists() and (not target.is_dir() or (any(target.iterdir()) and not (target / INDEX_FILE).exists())):
        raise UpdateError(f"{target}: exists and is not a catalog directory; refusing to replace it")
    previous = _previous_catalog(target)
    services = fetch_services(url, timeout=timeout, workers=workers, previous=previous)
    date = date or datetime.now(UTC).date().isoformat()
    source = f"AWS Service Authorization Reference ({url}), fetched {date}; bedrock-mantle from mantlekit.facts"
    retired = carry_retired(previous, services)  # unreadable parts of the previous catalog are skipped
    rcp = previous.rcp_services()

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    except OSError as e:
        raise UpdateError(f"{target.parent}: cannot create a directory ({e})") from e
    try:
        write_catalog(
            staging,
            services,
            date=date,
            source=source,
            note=NOTE,
            origin={"name": "AWS Service Authorization Reference", "version": url, "date": date},
            retired=retired.actions,
            retired_services=retired.services,
            retired_observed=retired.observed,
            rcp_services=sorted(rcp) if rcp is not None else None,
        )
        new = Catalog(staging)
        new_names = _action_names(new)  # reads every file back: what we rename into place is loadable
        if len(new.prefixes()) != len(services) or not new_names:
            raise UpdateError(f"{staging}: the written catalog does not read back")
        old_names = _action_names(previous)
        _swap(staging, target)
    except BaseException as e:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(e, OSError | CatalogFormatError | ValueError):
            raise UpdateError(f"{target}: cannot write the catalog ({e})") from e
        raise
    get_catalog.cache_clear()  # type: ignore[attr-defined]  # set on the function in store.py
    return UpdateResult(
        directory=target,
        date=date,
        services=len(services),
        actions=len(new_names),
        added=tuple(sorted(new_names[k] for k in new_names.keys() - old_names.keys())),
        removed=tuple(sorted(old_names[k] for k in old_names.keys() - new_names.keys())),
        previous_date=previous.date,
    )


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` where ``target`` is; the old target is removed only once the new one is in place."""
    if not target.exists():
        staging.rename(target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    old.rmdir()
    target.rename(old)
    try:
        staging.rename(target)
    except OSError:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)
