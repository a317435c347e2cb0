"""Settings of the multi-node test (tests/system/test_multinode.py), for its web nodes and task
clusters alike: the portal's, a marker per running task (tests.system.qhook) so the test can kill a
cluster in the middle of a render, and a task queue and cache key prefix of the test's own on the
shared Redis (a cluster only takes tasks from the queue named like its Q_CLUSTER)."""

import os

from portal.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.system.qhook"]  # noqa: F405
Q_CLUSTER = {**Q_CLUSTER, "name": os.environ.get("MULTINODE_Q_NAME", "portal-multinode")}  # noqa: F405

# The renders run on the two clusters of the test (the ones it kills in the middle of a render),
# not on a render cluster of their own: empty Q_RENDER_CLUSTER is the documented one-cluster setup.
Q_RENDER_CLUSTER = ""
