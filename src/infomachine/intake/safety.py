"""URL and address safety for every HTTP request (SSRF defence).

* only ``http`` and ``https`` URLs (``check_url``);
* the host is resolved and every address is checked *at connect time*, in a
  custom network backend that connects to the very IP it checked (so DNS
  rebinding cannot slip a private address in between check and connect);
  loopback, private, link-local (169.254.169.254), CGNAT 100.64/10, NAT64,
  IPv4-mapped IPv6, unspecified, multicast and reserved addresses are refused
  unless ``allow_private=True`` or the network is explicitly allowed.

``fetch.Fetcher`` builds its client on ``SafeTransport``.
"""

from __future__ import annotations

import ipaddress
import socket
import typing

import httpcore
import httpx
from httpcore._backends.sync import SyncBackend

from infomachine.errors import FetchError, UnsafeURLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

BLOCKED_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this" network, unspecified
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        "::/128",
        "::1/128",
        "::ffff:0:0/96",  # IPv4-mapped
        "64:ff9b::/96",  # NAT64
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/32",  # Teredo
        "2001:db8::/32",
        "2002::/16",  # 6to4
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",
        "ff00::/8",  # multicast
    )
)


def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` may not be fetched from without ``allow_private`` (None: it may)."""
    for net in BLOCKED_NETWORKS:
        if ip.version == net.version and ip in net:
            return f"{ip} is in the non-public range {net}"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_loopback:
        return f"{ip} is not a public address"
    if ip.is_private or ip.is_link_local or not ip.is_global:
        return f"{ip} is not a public address"
    return None


def is_private_ip(value: str) -> bool:
    """Whether ``value`` is a literal IP address outside the public internet."""
    try:
        ip = ipaddress.ip_address(value.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return address_problem(ip) is not None


def parse_networks(networks: typing.Iterable[str] | None) -> tuple[Network, ...]:
    """``["10.1.0.0/16", "127.0.0.1"]`` as network objects (``ConfigError``-free: UnsafeURLError)."""
    out: list[Network] = []
    for net in networks or ():
        try:
            out.append(ipaddress.ip_network(net, strict=False))
        except ValueError as exc:
            raise UnsafeURLError(f"not a network: {net!r}") from exc
    return tuple(out)


def check_address(
    host: str, ip: str, allow_private: bool, allowed: tuple[Network, ...] = ()
) -> None:
    """Raise ``UnsafeURLError`` when ``ip`` (resolved from ``host``) is not allowed.

    ``allowed`` lists non-public networks the user explicitly permits (an
    intranet, or 127.0.0.1 in tests) while everything else stays refused.
    """
    if allow_private:
        return
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError as exc:
        raise UnsafeURLError(f"{host}: unparseable address {ip!r}") from exc
    if any(addr.version == net.version and addr in net for net in allowed):
        return
    problem = address_problem(addr)
    if problem:
        raise UnsafeURLError(f"refusing to connect to {host}: {problem}")


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from exc
    seen: list[str] = []
    for info in infos:
        ip = str(info[4][0])
        if ip not in seen:
            seen.append(ip)
    if not seen:
        raise FetchError(f"cannot resolve {host}: no addresses")
    return seen


class SafeNetworkBackend(SyncBackend):
    """A network backend that checks every resolved address, then connects to
    exactly that address (no second DNS lookup that could be rebound)."""

    def __init__(self, allow_private: bool = False, allowed: tuple[Network, ...] = ()) -> None:
        self.allow_private = allow_private
        self.allowed = allowed
        # Hosts this backend reached at a non-public address (allowed by the
        # user): what comes from them is private and must not leave the machine.
        self.private_hosts: set[str] = set()

    def is_private_host(self, host: str) -> bool:
        """Whether ``host`` (a name or a literal IP) was reached at a non-public address."""
        return host.lower() in self.private_hosts or is_private_ip(host)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve(host, port)
        # Every address must be allowed: a name that resolves to one public and
        # one private address is refused as a whole.
        for ip in addresses:
            check_address(host, ip, self.allow_private, self.allowed)
        if any(is_private_ip(ip) for ip in addresses):
            self.private_hosts.add(host.lower())
        last: Exception | None = None
        for ip in addresses:
            try:
                return super().connect_tcp(ip, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    def connect_unix_socket(self, *args: typing.Any, **kwargs: typing.Any) -> httpcore.NetworkStream:
        raise UnsafeURLError("unix sockets are not allowed")


class SafeTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` with the checking network backend and no proxies."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        allowed: tuple[Network, ...] = (),
        **kwargs: typing.Any,
    ) -> None:
        super().__init__(trust_env=False, proxy=None, **kwargs)
        self.backend = SafeNetworkBackend(allow_private, allowed)
        self._pool._network_backend = self.backend


def check_url(
    url: str, *, allow_private: bool = False, allowed: tuple[Network, ...] = ()
) -> httpx.URL:
    """Parse and check a URL before any connection: scheme and literal IPs."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise UnsafeURLError(f"invalid URL {url!r}: {exc}") from exc
    if parsed.scheme not in ("http", "https"):
        raise UnsafeURLError(f"only http(s) URLs can be fetched, not {parsed.scheme or 'none'!r}: {url}")
    host = parsed.host
    if not host:
        raise UnsafeURLError(f"URL has no host: {url}")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return parsed
    check_address(host, host, allow_private, allowed)
    return parsed
