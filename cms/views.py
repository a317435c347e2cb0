from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cms import services


def search(request: HttpRequest) -> HttpResponse:
    """Site search over pages and documents; works for Chinese (see portal.search).
    Everyone may search; results only include what the visitor may open."""
    query = request.GET.get("q", "")
    results = services.search_site(user=request.user, query=query)
    return render(request, "cms/search.html", {"results": results, "query": results.query})
