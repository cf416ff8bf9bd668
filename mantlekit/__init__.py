"""mantlekit: CDK constructs and a policy linter for Amazon Bedrock Mantle."""

__version__ = "0.2.0"

#: Where mantlekit is published: releases are the git tags ``v<version>`` of this repository, installed with
#: ``pip install "mantlekit @ git+<URL>@v<version>"`` (the name ``mantlekit`` on a package index is not ours).
#: SARIF reports link here, and README's install, CI and pre-commit snippets use the same URL; ``your-org``
#: is a placeholder until the repository has its public home (tests/test_release.py keeps them in step).
REPOSITORY_URL = "https://github.com/your-org/mantlekit"
