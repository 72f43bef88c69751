"""Loaded by the worker processes' fork server (pipeline.batches): load the models once, before any worker forks.

Python's fork server imports the modules it preloads and nothing else runs there, so the loading is this
module's import: the settings come from the environment the run set (PRELOAD_ENV). Importing it anywhere
else, with that variable unset, does nothing.
"""
from __future__ import annotations

import json
import os

from extract.settings import Settings
from pipeline.batches import PRELOAD_ENV, warm_models

if os.environ.get(PRELOAD_ENV):
    warm_models(Settings(**json.loads(os.environ[PRELOAD_ENV])))
