"""Log-in throttling counts per real client address, also behind the nginx proxy."""

from django.test import RequestFactory

from monitor.client_ip import client_ip


def test_direct_requests_use_the_socket_address(settings):
    settings.BEHIND_PROXY = False
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_REAL_IP="198.51.100.1")
    assert client_ip(request) == "203.0.113.7"  # a client cannot pick its own counter


def test_behind_the_proxy_the_address_nginx_saw_counts(settings):
    settings.BEHIND_PROXY = True
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")
    assert client_ip(request) == "203.0.113.7"
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"
