"""Settings for bench/exam_load.py: the portal's own settings plus one bare view (the floor)."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "exam_bench_urls"
