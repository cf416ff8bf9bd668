"""mantle-lint: an IAM policy linter that knows Amazon Bedrock Mantle."""
