"""IAM policy model, parser and evaluation engine (no CDK, no boto3: the lint path stays light)."""
