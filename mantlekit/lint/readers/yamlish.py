"""YAML for CloudFormation: short-form intrinsics (``!Ref``, ``!Sub``, ...) become their long forms.

PyYAML is imported only here, so JSON-only runs never pay for it.
"""

from __future__ import annotations

from typing import Any

from mantlekit.lint.findings import InputError


def _loader() -> type:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader: Loader, suffix: str, node: Any) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if suffix == "Ref":
            return {"Ref": value}
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        if suffix == "Condition":
            return {"Condition": value}
        return {f"Fn::{suffix}": value}

    Loader.add_multi_constructor("!", construct)
    # Timestamps stay strings (policy Version "2012-10-17" must not become a date).
    Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


_LOADER: type | None = None


def load(text: str, path: str) -> Any:
    """Parse YAML text; errors name the file, line and column."""
    global _LOADER
    import yaml

    if _LOADER is None:
        _LOADER = _loader()
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise InputError(path, f"not valid YAML: {e.problem or e.context}", line, col) from None
    except yaml.YAMLError as e:
        raise InputError(path, f"not valid YAML: {e}") from None
    except RecursionError:
        raise InputError(path, "nested too deeply to be read") from None
