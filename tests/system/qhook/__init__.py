"""A test-only app for the qcluster fault test: each django-q2 worker writes a marker file
(QHOOK_DIR/<pid>, the task's function) while it runs a task, so the test can SIGKILL a worker
that is in the middle of a certificate render. Installed only by tests/system/qcluster_settings.py."""
