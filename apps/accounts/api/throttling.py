"""Throttles keyed on the client's address, as Dharma's own trusted proxies report it.

DRF's throttles believe `X-Forwarded-For` unless `NUM_PROXIES` is set, so a client could name a
new address on every request and never be throttled. Here the address is `REMOTE_ADDR` unless
`NUM_PROXIES` (`DHARMA_NUM_PROXIES`) says how many proxies in front of Dharma append to
`X-Forwarded-For`; then it is the hop the outermost of them wrote, which a client cannot forge.
"""

from typing import cast

from django.core.exceptions import ImproperlyConfigured
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


def client_address(request) -> str | None:
    """The caller's address: `REMOTE_ADDR`, or the `NUM_PROXIES`-th hop from the end of
    `X-Forwarded-For` when Dharma runs behind that many trusted proxies."""
    remote_addr = request.META.get("REMOTE_ADDR")
    num_proxies = api_settings.NUM_PROXIES or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if num_proxies <= 0 or not hops:
        return remote_addr
    return hops[-min(num_proxies, len(hops))]


class ClientAddressRateThrottle(ScopedRateThrottle):
    """`ScopedRateThrottle` (the view's `throttle_scope`) per client address. The rate is read
    from the settings on every request, so a changed rate applies without a restart."""

    def get_ident(self, request) -> str:
        return client_address(request) or ""

    def get_rate(self) -> str | None:
        rates = cast("dict[str, str | None]", api_settings.DEFAULT_THROTTLE_RATES)
        if self.scope not in rates:
            raise ImproperlyConfigured(f"No throttle rate set for the {self.scope!r} scope")
        return rates[str(self.scope)]
