"""Logging while serving: uvicorn's own configuration plus our `reportedly.*` loggers.

Every module logs to `logging.getLogger(__name__)`, so one entry for "reportedly" covers them
all; without it, an unexpected error's traceback would go nowhere (the package installs a
NullHandler, as a library should).
"""

from __future__ import annotations

import copy
from typing import Any


def uvicorn_log_config(level: str = "INFO") -> dict[str, Any]:
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["reportedly"] = {"handlers": ["default"], "level": level, "propagate": False}
    return config
