"""One helper decides whether a request gets the whole page or only the HTMX partial."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.http import push_url


def wants_partial(request) -> bool:
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def query_without_empty(request, drop=()) -> str:
    return urlencode(
        [(k, v) for k, values in request.GET.lists() if k not in drop for v in values if v]
    )


def render_partial_or_page(request, template: str, partial: str, context: dict):
    """HTMX swaps get only the partial; normal loads, boosts and history restores get the whole page."""
    partial_only = wants_partial(request)
    response = render(request, partial if partial_only else template, context)
    # The same URL answers two ways: keep caches apart.
    patch_vary_headers(response, ("HX-Request",))
    if partial_only:
        # The address bar gets the filters without "&unit=&gender=" noise.
        query = query_without_empty(request)
        push_url(response, f"{request.path}?{query}" if query else request.path)
    return response
