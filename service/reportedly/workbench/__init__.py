"""The prompt workbench: a page at /workbench and its JSON API under /v1/workbench, for
changing a prompt and seeing what it did, on one article and over a dataset.

Registered by `reportedly.app.create_app` only when `Settings.workbench` is true
(`reportedly.workbench.routes.WorkbenchPlugin`).
"""
