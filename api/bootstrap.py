"""First start of an empty service: the sample bank as dataset ``sample``, and an admin key.

The admin key is made only when the database holds no active key at all: either the operator's
``RMALLOC_BOOTSTRAP_KEY`` (installed, never printed), or a fresh one, returned so that ``rmalloc
serve`` prints it once. It cannot be shown again: its secret is not stored.
"""

from __future__ import annotations

import logging

from allocator.errors import InputError
from api.auth import Role
from api.services.datasets import DatasetService
from api.services.keys import KeyService
from api.settings import Settings

log = logging.getLogger(__name__)

SAMPLE_NAME = "sample"


def ensure_admin_key(keys: KeyService, settings: Settings) -> str | None:
    """Install an admin key when there is no active key; the new token when one was generated
    (to be printed once), else ``None``."""
    if keys.count_active() > 0:
        return None
    if settings.bootstrap_key:
        installed = keys.install(settings.bootstrap_key, Role.admin, "bootstrap")
        if installed is not None:
            log.info("bootstrap admin key installed", extra={"key_id": installed.key_id})
        return None
    new = keys.create(Role.admin, "bootstrap")
    log.info("admin key created", extra={"key_id": new.key_id})
    return new.token


def ensure_sample(datasets: DatasetService, settings: Settings) -> str | None:
    """Load the bundled sample bank as dataset ``sample`` into an empty database; its id, or
    ``None`` when not loaded (not empty, switched off, or not shipped in this build)."""
    if not settings.load_sample or datasets.count() > 0:
        return None
    try:
        from allocator.synth import sample_bank_paths
        from allocator.validation import load_instance

        paths = sample_bank_paths()
        instance = load_instance(paths["customers"], paths["rms"], paths.get("branches"))
    except (ImportError, FileNotFoundError, KeyError, InputError) as exc:
        log.warning("sample bank not loaded", extra={"error_type": type(exc).__name__})
        return None
    ds = datasets.save_instance(instance, name=SAMPLE_NAME)
    log.info(
        "sample bank loaded",
        extra={"dataset_id": ds.id, "customers": ds.n_customers, "rms": ds.n_rms},
    )
    return ds.id
