"""The URL configuration of the Django app in ``test_django`` (Django imports it by name)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path


def order(request: HttpRequest, order_id: int) -> JsonResponse:
    return JsonResponse({"order": order_id}, status=201 if request.method == "POST" else 200)


urlpatterns = [path("orders/<int:order_id>", order)]
