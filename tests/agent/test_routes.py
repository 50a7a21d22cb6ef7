"""Endpoints from raw paths: the route template, never the raw path."""

from __future__ import annotations

from seismo.agent.routes import RouteTemplates


def test_given_templates_win_in_order_and_keep_their_parameter_names() -> None:
    routes = RouteTemplates(["/users/{id}/orders/{order}", "/users/{name}"])
    assert routes.endpoint("get", "/users/17/orders/9?x=1") == "GET:/users/{id}/orders/{order}"
    assert routes.endpoint("GET", "/users/alice") == "GET:/users/{name}"
    assert routes.endpoint("GET", "/users/alice/extra") == "GET:/users/alice/extra"


def test_without_a_template_id_like_segments_become_one_endpoint() -> None:
    routes = RouteTemplates()
    uuid = "3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b"
    assert routes.endpoint("DELETE", f"/carts/{uuid}/items/12") == "DELETE:/carts/{id}/items/{id}"
    assert routes.endpoint("GET", "/blobs/9f86d081884c7d65") == "GET:/blobs/{id}"
    assert routes.endpoint("GET", "/v2/health") == "GET:/v2/health"
    assert routes.endpoint("GET", "?q=1") == "GET:/"
