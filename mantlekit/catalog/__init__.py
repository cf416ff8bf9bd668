"""The IAM action catalog of every AWS service: actions, access levels, resource types, condition keys.

The package ships a catalog (``mantlekit/data/catalog``); ``mantle-lint catalog update`` writes a fresher one
to :func:`user_catalog_dir`, which :func:`get_catalog` prefers when it is not older. bedrock-mantle always
comes from :mod:`mantlekit.facts`. Importing this package reads no file; :func:`get_catalog` reads the index
only, and each service file is read the first time that service is asked for.
"""

from mantlekit.catalog.model import ActionInfo, CatalogFormatError, ResourceTypeInfo, ServiceInfo
from mantlekit.catalog.store import BUNDLED_DIR, Catalog, bundled_catalog, get_catalog, user_catalog_dir

__all__ = [
    "BUNDLED_DIR",
    "ActionInfo",
    "Catalog",
    "CatalogFormatError",
    "ResourceTypeInfo",
    "ServiceInfo",
    "bundled_catalog",
    "get_catalog",
    "user_catalog_dir",
]
