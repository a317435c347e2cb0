"""Settings of the qcluster fault test: the portal's, a marker per running task (tests.system.qhook)
and a short timeout/retry, so a task whose worker was killed is delivered again after 12 s instead
of Q_TIMEOUT + 60 s. The ORM broker (no REDIS_URL): it keeps a task until a worker acknowledges it."""

from portal.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.system.qhook"]  # noqa: F405
Q_CLUSTER = {**Q_CLUSTER, "timeout": 10, "retry": 12, "workers": 2, "poll": 0.5}  # noqa: F405
