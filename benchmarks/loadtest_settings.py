"""Settings for benchmarks/loadtest.py: the production settings unchanged, except that static
files are collected into a throwaway folder (LOADTEST_STATIC_ROOT) rather than the project's
staticfiles/, which a load test must not leave behind for other runs to serve stale."""

import os

from kanagawa_ict.settings import *  # noqa: F403

STATIC_ROOT = os.environ["LOADTEST_STATIC_ROOT"]
