"""mantlekit: CDK constructs and a policy linter for Amazon Bedrock Mantle."""

__version__ = "0.1.0"
