#!/usr/bin/env python3
"""The mantlekit reference app: ``cdk synth`` / ``cdk deploy`` entry point (see README)."""

import aws_cdk as cdk

app = cdk.App()
cdk.Stack(app, "MantlekitPlaceholder")
app.synth()
