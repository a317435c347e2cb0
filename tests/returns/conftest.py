import pytest

from returns.models import ReturnForm


@pytest.fixture(autouse=True)
def _no_standard_forms(db):
    """The seeded standard forms are unpublished and count in the figures: tests define their own."""
    ReturnForm.objects.filter(filings__isnull=True).delete()
