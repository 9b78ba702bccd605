"""Requests over the network with httpx: an overall deadline, and a cap on the answer's size.

Every request has one deadline (``deadline.py``: connect, send, head and
body together, enforced on the socket) and every answer a size cap
(``body.py``); an answer that misses either is an error, so nothing of it
(its cookies included) reaches the caller. One exchange is used by one thread
at a time.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import h11
import httpx

from switcher.client.body import CappedBody, declared_length
from switcher.client.deadline import Deadline, Sockets
from switcher.client.errors import (
    BadResponseError,
    ClientError,
    ConnectionRefusedByServerError,
    ResponseTooLargeError,
    ServerDisconnectedError,
    ServerTimeoutError,
    ServerUnreachableError,
    TlsHandshakeError,
    UnknownHostError,
    UntrustedCertificateError,
)
from switcher.client.exchange import Answer


class HttpxExchange:
    def __init__(
        self,
        origin: str,
        *,
        max_answer_bytes: int,
        ca_bundle: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.origin = origin
        self.max_answer_bytes = max_answer_bytes
        self._sockets = Sockets()
        verify: ssl.SSLContext | bool = True
        if ca_bundle:
            verify = ssl.create_default_context(cafile=ca_bundle)
        # trust_env: proxies from HTTP(S)_PROXY/NO_PROXY, as people configure them.
        self._http = httpx.Client(
            verify=verify, transport=transport, trust_env=True, follow_redirects=False
        )

    def close(self) -> None:
        self._http.close()

    def exchange(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float,
    ) -> Answer:
        deadline = Deadline(timeout, self._sockets)
        request = self._http.build_request(
            method,
            url,
            headers=headers,
            content=body,
            # extensions["timeout"]: every transport's per-operation timeouts get
            # the whole budget, never more. Connecting gets half: ssl bounds a TLS
            # handshake by the connect timeout counted from when TCP connected,
            # and the watchdog cannot reach a socket inside the handshake, so
            # connect and handshake at half each keep the deadline.
            timeout=httpx.Timeout(deadline.remaining(), connect=deadline.remaining() / 2),
            extensions={"trace": deadline.trace},
        )
        try:
            with deadline:
                response = self._http.send(request, stream=True)
                try:
                    content = self._read(response, deadline, timeout)
                finally:
                    deadline.stop()
                    response.close()
        except httpx.TransportError as error:
            if deadline.fired or isinstance(error, httpx.TimeoutException):
                raise self._timed_out(timeout) from None
            raise self._failure(error) from None
        finally:
            self._http.cookies.clear()  # the caller's jar is the only cookie store
        return Answer(
            response.status_code,
            tuple(
                (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in response.headers.raw
            ),
            bytes(content),
        )

    def _read(
        self, response: httpx.Response, deadline: Deadline, timeout: float
    ) -> bytes | bytearray:
        """The whole body, within the size cap and the deadline."""
        if response.is_stream_consumed:
            # The transport read the whole answer itself (an in-memory one does):
            # it is in memory already, and only its size is left to judge.
            if len(response.content) > self.max_answer_bytes:
                raise ResponseTooLargeError(self.origin, self.max_answer_bytes)
            return response.content
        body = CappedBody(
            self.origin, self.max_answer_bytes, response.headers.get("content-encoding", "")
        )
        body.check_declared(declared_length(response.headers.get("content-length")))
        for chunk in response.iter_raw():
            if deadline.fired:  # bytes still buffered from a connection already cut
                raise self._timed_out(timeout)
            body.feed(chunk)
        if deadline.fired:
            # Without a length, the end of the body is the connection's end, and
            # the watchdog's cut looks just like it: a short body, not an answer.
            raise self._timed_out(timeout)
        return body.finish()

    def _timed_out(self, timeout: float) -> ClientError:
        return ServerTimeoutError(f"{self.origin} did not answer within {timeout:g} s")

    def _failure(self, error: httpx.TransportError) -> ClientError:
        # Decided by the types of the errors underneath (the socket's, ssl's,
        # h11's), never by the wording of a message.
        causes = list(_chain(error))
        if isinstance(error, httpx.ConnectError):
            if any(isinstance(c, ssl.SSLCertVerificationError) for c in causes):
                return UntrustedCertificateError(
                    f"{self.origin}: the TLS certificate is not trusted "
                    "(pass a CA bundle with --ca-bundle if it is yours)"
                )
            if any(isinstance(c, ssl.SSLError) for c in causes):
                # No TLS at all on the other end, typically: plain http on that port.
                plain = self.origin.replace("https://", "http://", 1)
                return TlsHandshakeError(
                    f"{self.origin}: the TLS handshake failed (if the site speaks plain http "
                    f"on that port, use {plain})"
                )
            if any(isinstance(c, socket.gaierror) for c in causes):
                return UnknownHostError(f"{self.origin}: no such host")
            if any(isinstance(c, ConnectionRefusedError) for c in causes):
                return ConnectionRefusedByServerError(
                    f"cannot connect to {self.origin} (is the server running?)"
                )
            return ServerUnreachableError(
                f"cannot connect to {self.origin} ({type(causes[-1]).__name__})"
            )
        if isinstance(error, httpx.RemoteProtocolError):
            if any(isinstance(c, h11.ProtocolError) for c in causes):
                return BadResponseError(
                    f"{self.origin} answered with something that is not HTTP "
                    "(is this the right port?)"
                )
            return ServerDisconnectedError(f"{self.origin} closed the connection without answering")
        return ServerUnreachableError(f"lost the connection to {self.origin}")


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and every error it was raised from, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
