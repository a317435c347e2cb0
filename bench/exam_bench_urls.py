"""The portal's URLs plus /bench-bare/ (a constant response through the full middleware stack)."""

from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("bench-bare/", bare), *portal_urlpatterns]
